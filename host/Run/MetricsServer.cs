using System.Globalization;
using System.Net;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Host.Run;

/// <summary>
/// <c>GET /metrics</c> (Prometheus text format 0.0.4) and <c>GET /health</c> (200 when the pipeline owns
/// its partitions and has not failed, else 503) on a port, served by one background thread.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly KafkaPipeline _pipeline;
    private readonly RunLog _log;
    private readonly Thread _thread;

    private MetricsServer(HttpListener listener, KafkaPipeline pipeline, RunLog log)
    {
        _listener = listener;
        _pipeline = pipeline;
        _log = log;
        _thread = new Thread(Serve) { Name = "attribution-metrics", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Starts serving on all interfaces at <paramref name="port"/>; null when the port cannot be opened.</summary>
    public static MetricsServer? TryStart(int port, KafkaPipeline pipeline, RunLog log)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://+:{port}/");
        try
        {
            listener.Start();
        }
        catch (HttpListenerException)
        {
            listener.Close();
            return null;
        }
        log.Info("metrics", $"listening port={port}");
        return new MetricsServer(listener, pipeline, log);
    }

    private void Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = _listener.GetContext();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            try
            {
                Respond(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                _log.Warn("metrics", $"response_failed reason=\"{e.Message}\"");
            }
        }
    }

    private void Respond(HttpListenerContext context)
    {
        var response = context.Response;
        string path = context.Request.Url?.AbsolutePath ?? "/";
        (int status, string contentType, string body) = path switch
        {
            "/metrics" => (200, "text/plain; version=0.0.4; charset=utf-8", Render(_pipeline)),
            "/health" => Health(),
            _ => (404, "text/plain; charset=utf-8", "not found: try /metrics or /health\n"),
        };
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    private (int, string, string) Health()
    {
        if (_pipeline.FatalError is { } error)
        {
            return (503, "text/plain; charset=utf-8", $"failed: {error}\n");
        }
        return _pipeline.Ready.IsSet
            ? (200, "text/plain; charset=utf-8", "ok\n")
            : (503, "text/plain; charset=utf-8", "starting: not yet assigned partitions\n");
    }

    /// <summary>The Prometheus text of a pipeline's figures.</summary>
    public static string Render(KafkaPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var s = pipeline.Stats;
        var w = new StringBuilder(4096);
        Counter(w, "attribution_events_consumed_total", "Input records read from Kafka, replayed ones included.", s.Consumed);
        Counter(w, "attribution_events_replayed_total", "Input records replayed silently to rebuild state.", s.Replayed);
        Counter(w, "attribution_attributions_produced_total", "Attributed conversions produced in committed transactions.", s.Produced);
        Counter(w, "attribution_dead_letters_produced_total", "Rejected records produced to the dead-letter topic in committed transactions.", s.DeadLetters);
        Counter(w, "attribution_transactions_committed_total", "Kafka transactions committed.", s.Commits);
        Counter(w, "attribution_transactions_aborted_total", "Kafka transactions aborted.", s.Aborts);
        Counter(w, "attribution_rewinds_total", "Rewinds of the owned partitions to their committed offsets.", s.Rewinds);
        Counter(w, "attribution_partition_moves_total", "Partitions assigned to this host whose state was rebuilt (from its snapshot or by re-reading input).", s.PartitionMoves);
        Counter(w, "attribution_shared_state_exports_total", "Partition states written to the shared state directory.", s.SharedExports);
        Counter(w, "attribution_shared_state_imports_total", "Assigned partitions started from a shared state file instead of re-reading input.", s.SharedImports);
        Counter(w, "attribution_partition_move_records_total", "Input records re-read to rebuild the state of assigned partitions.", s.PartitionMoveRecords);
        w.Append("# HELP attribution_partition_move_seconds_total Seconds from assignment to rebuilt state, summed over partition moves.\n# TYPE attribution_partition_move_seconds_total counter\n");
        w.Append(CultureInfo.InvariantCulture, $"attribution_partition_move_seconds_total {s.PartitionMoveSeconds:F3}\n");
        Counter(w, "attribution_outputs_already_in_kafka_total", "Outputs not produced again because recovery found them in the output topic.", s.OutputsAlreadyInKafka);
        if (pipeline.Engine is { } engine)
        {
            AttributionCounters c = engine.GetCounters();
            Header(w, "attribution_events_rejected_total", "Rejected input records by reason.", "counter");
            for (int r = 1; r < RejectReasons.Count; r++)
            {
                w.Append(CultureInfo.InvariantCulture, $"attribution_events_rejected_total{{reason=\"{RejectReasons.Name((RejectReason)r)}\"}} {c.Rejection((RejectReason)r)}\n");
            }
            Header(w, "attribution_events_total", "Events applied by kind.", "counter");
            w.Append(CultureInfo.InvariantCulture, $"attribution_events_total{{kind=\"click\"}} {c.Clicks}\n");
            w.Append(CultureInfo.InvariantCulture, $"attribution_events_total{{kind=\"conversion\"}} {c.Conversions}\n");
            Header(w, "attribution_outcomes_total", "Outcomes of applied events (replayed ones included).", "counter");
            foreach (AttributionOutcome o in Enum.GetValues<AttributionOutcome>())
            {
                w.Append(CultureInfo.InvariantCulture, $"attribution_outcomes_total{{outcome=\"{AttributionOutcomes.Name(o)}\"}} {c.Outcome(o)}\n");
            }
        }
        if (pipeline.Engine is { LastSnapshot: { } snap })
        {
            Header(w, "attribution_snapshot_age_seconds", "Age of the newest snapshot.", "gauge");
            w.Append(CultureInfo.InvariantCulture, $"attribution_snapshot_age_seconds {(DateTimeOffset.UtcNow - snap.Manifest.CreatedAt).TotalSeconds:F3}\n");
            Header(w, "attribution_snapshot_duration_seconds", "How long the newest snapshot took.", "gauge");
            w.Append(CultureInfo.InvariantCulture, $"attribution_snapshot_duration_seconds {snap.Duration.TotalSeconds:F3}\n");
            Header(w, "attribution_snapshot_bytes", "Bytes written by the newest snapshot.", "gauge");
            w.Append(CultureInfo.InvariantCulture, $"attribution_snapshot_bytes {snap.Bytes}\n");
        }
        // From start-up, at 0 until a snapshot fails: an alert on it must not wait for a first success.
        Counter(w, "attribution_snapshot_failures_total", "Snapshots that failed.", pipeline.Engine?.SnapshotFailures ?? 0);
        Header(w, "attribution_consumer_lag", "Records behind the high watermark per owned input partition.", "gauge");
        foreach (var (p, lag) in s.LagByPartition.OrderBy(kv => kv.Key))
        {
            w.Append(CultureInfo.InvariantCulture, $"attribution_consumer_lag{{partition=\"{p}\"}} {lag}\n");
        }
        Header(w, "attribution_end_to_end_latency_ms", "Input record produce time to its attribution committed, in ms.", "histogram");
        var (cumulative, sum, count) = s.LatencyBuckets();
        for (int i = 0; i < PipelineStats.LatencyBucketsMs.Length; i++)
        {
            w.Append(CultureInfo.InvariantCulture, $"attribution_end_to_end_latency_ms_bucket{{le=\"{PipelineStats.LatencyBucketsMs[i]}\"}} {cumulative[i]}\n");
        }
        w.Append(CultureInfo.InvariantCulture, $"attribution_end_to_end_latency_ms_bucket{{le=\"+Inf\"}} {count}\n");
        w.Append(CultureInfo.InvariantCulture, $"attribution_end_to_end_latency_ms_sum {sum}\n");
        w.Append(CultureInfo.InvariantCulture, $"attribution_end_to_end_latency_ms_count {count}\n");
        Header(w, "attribution_last_commit_timestamp_seconds", "Unix time of the last committed transaction.", "gauge");
        w.Append(CultureInfo.InvariantCulture, $"attribution_last_commit_timestamp_seconds {s.LastCommitUnixMs / 1000.0:F3}\n");
        Header(w, "attribution_up", "1 while the pipeline runs without a fatal error.", "gauge");
        w.Append(CultureInfo.InvariantCulture, $"attribution_up {(pipeline.FatalError is null ? 1 : 0)}\n");
        return w.ToString();
    }

    private static void Counter(StringBuilder w, string name, string help, long value)
    {
        Header(w, name, help, "counter");
        w.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
    }

    private static void Header(StringBuilder w, string name, string help, string type)
    {
        w.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _thread.Join(TimeSpan.FromSeconds(2));
    }
}
