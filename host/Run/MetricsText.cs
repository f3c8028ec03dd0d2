using System.Globalization;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Host.Run;

/// <summary>The Prometheus text exposition (format 0.0.4) of a pipeline's figures, served at <c>/metrics</c>.</summary>
public static class MetricsText
{
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
}
