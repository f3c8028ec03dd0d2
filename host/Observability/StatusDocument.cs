using System.Text.Json;
using Attribution.Engine.Events;
using Attribution.Host.Settings;

namespace Attribution.Host.Observability;

/// <summary>
/// <c>/status.json</c>, the status page's one source: the host, its partitions, totals, the last snapshot, transaction
/// cycles, dead letters by reason, the time series and the effective settings. Written by hand with a
/// <see cref="Utf8JsonWriter"/> (no reflection, so the trimmed binary keeps it).
/// </summary>
public static class StatusDocument
{
    /// <summary>Writes the document for <paramref name="pipeline"/> now.</summary>
    public static void Write(Utf8JsonWriter json, IPipelineFigures pipeline, StatusHistory history, IReadOnlyList<EffectiveSetting> settings, DateTimeOffset started)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(settings);
        var now = DateTimeOffset.UtcNow;
        long nowMs = now.ToUnixTimeMilliseconds();
        var stats = pipeline.Stats;
        var (live, liveText) = HealthProbes.Live(pipeline);
        var (ready, readyText) = HealthProbes.Ready(pipeline);
        json.WriteStartObject();
        json.WriteString("version", BuildInfo.Version);
        json.WriteString("commit", BuildInfo.Commit);
        json.WriteNumber("now_ms", nowMs);
        json.WriteNumber("uptime_seconds", Math.Round((now - started).TotalSeconds, 1));
        json.WriteBoolean("live", live == 200);
        json.WriteString("live_text", liveText.TrimEnd());
        json.WriteBoolean("ready", ready == 200);
        json.WriteString("ready_text", readyText.TrimEnd());
        json.WriteString("fatal", pipeline.FatalError);

        json.WriteStartArray("partitions");
        foreach (var p in pipeline.Partitions())
        {
            json.WriteStartObject();
            json.WriteNumber("partition", p.Partition);
            json.WriteNumber("lag", p.Lag);
            json.WriteNumber("consumed", p.ConsumedNext);
            json.WriteNumber("committed", p.Committed);
            json.WriteString("state", p.Rebuilding ? "rebuilding" : "live");
            json.WriteNumber("rebuild_start", p.RebuildStart);
            json.WriteNumber("rebuild_end", p.RebuildEnd);
            WriteNullable(json, "watermark_ms", p.WatermarkMs);
            WriteNullable(json, "event_time_lag_seconds", p.EventTimeLagSeconds(nowMs));
            json.WriteEndObject();
        }
        json.WriteEndArray();

        json.WriteStartObject("totals");
        json.WriteNumber("consumed", stats.Consumed);
        json.WriteNumber("replayed", stats.Replayed);
        json.WriteNumber("produced", stats.Produced);
        json.WriteNumber("dead_letters", stats.DeadLetters);
        json.WriteNumber("commits", stats.Commits);
        json.WriteNumber("aborts", stats.Aborts);
        json.WriteNumber("lag", stats.Lag);
        json.WriteNumber("last_commit_ms", stats.LastCommitUnixMs);
        json.WriteEndObject();

        WriteEngine(json, pipeline, now);
        WriteSeries(json, history.Samples());

        json.WriteStartArray("settings");
        foreach (var s in settings)
        {
            json.WriteStartObject();
            json.WriteString("key", s.Key);
            json.WriteString("value", s.Value);
            json.WriteString("source", s.Source);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // The last snapshot, the state's size and the dead letters by reason (null / empty before the engine opens).
    private static void WriteEngine(Utf8JsonWriter json, IPipelineFigures pipeline, DateTimeOffset now)
    {
        var engine = pipeline.Engine;
        if (engine?.LastSnapshot is { } snap)
        {
            json.WriteStartObject("snapshot");
            json.WriteNumber("sequence", snap.Sequence);
            json.WriteString("created", snap.Manifest.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteNumber("age_seconds", Math.Round((now - snap.Manifest.CreatedAt).TotalSeconds, 1));
            json.WriteNumber("duration_seconds", snap.Duration.TotalSeconds);
            json.WriteNumber("bytes", snap.Bytes);
            json.WriteNumber("total_bytes", snap.TotalBytes);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("snapshot");
        }
        json.WriteNumber("snapshot_failures", engine?.SnapshotFailures ?? 0);
        if (engine is not null)
        {
            var size = engine.StateSize();
            json.WriteStartObject("state");
            json.WriteNumber("click_entries", size.ClickEntries);
            json.WriteNumber("conversion_entries", size.ConversionEntries);
            json.WriteNumber("bytes", size.Bytes);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("state");
        }
        json.WriteStartArray("dead_letters_by_reason");
        if (engine is not null)
        {
            var c = engine.GetCounters();
            for (int r = 1; r < RejectReasons.Count; r++)
            {
                long n = c.Rejection((RejectReason)r);
                if (n > 0)
                {
                    json.WriteStartObject();
                    json.WriteString("reason", RejectReasons.Name((RejectReason)r));
                    json.WriteNumber("count", n);
                    json.WriteEndObject();
                }
            }
        }
        json.WriteEndArray();
    }

    // Per second: rates from the counters' differences, latency and cycle percentiles of each window.
    private static void WriteSeries(Utf8JsonWriter json, StatusSample[] samples)
    {
        json.WriteStartObject("series");
        Column(json, "t", samples, (s, _) => s.UnixMs);
        Column(json, "consumed_per_second", samples, (s, prev) => Rate(s.Consumed - prev.Consumed, s, prev));
        Column(json, "produced_per_second", samples, (s, prev) => Rate(s.Produced - prev.Produced, s, prev));
        Column(json, "dead_letters_per_second", samples, (s, prev) => Rate(s.DeadLetters - prev.DeadLetters, s, prev));
        Column(json, "commits_per_second", samples, (s, prev) => Rate(s.Commits - prev.Commits, s, prev));
        Column(json, "lag", samples, (s, _) => s.Lag);
        Column(json, "latency_p50_seconds", samples, (s, _) => s.Window.Latencies == 0 ? null : s.Window.LatencyP50Ms / 1000.0);
        Column(json, "latency_p99_seconds", samples, (s, _) => s.Window.Latencies == 0 ? null : s.Window.LatencyP99Ms / 1000.0);
        Column(json, "cycle_p50_seconds", samples, (s, _) => s.Window.Cycles == 0 ? null : s.Window.CycleP50Micros / 1e6);
        Column(json, "cycle_p99_seconds", samples, (s, _) => s.Window.Cycles == 0 ? null : s.Window.CycleP99Micros / 1e6);
        Column(json, "cycle_max_seconds", samples, (s, _) => s.Window.Cycles == 0 ? null : s.Window.CycleMaxMicros / 1e6);
        json.WriteEndObject();
    }

    private static double? Rate(long delta, StatusSample s, StatusSample prev)
        => s.UnixMs > prev.UnixMs ? Math.Round(delta * 1000.0 / (s.UnixMs - prev.UnixMs), 1) : null;

    // The first sample has no predecessor: its rates are null.
    private static void Column(Utf8JsonWriter json, string name, StatusSample[] samples, Func<StatusSample, StatusSample, double?> value)
    {
        json.WriteStartArray(name);
        for (int i = 0; i < samples.Length; i++)
        {
            double? v = value(samples[i], i == 0 ? samples[i] : samples[i - 1]);
            if (v is { } d)
            {
                json.WriteNumberValue(d);
            }
            else
            {
                json.WriteNullValue();
            }
        }
        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
