using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Host.Run;
using Prometheus;

namespace Attribution.Host.Observability;

/// <summary>
/// A pipeline's figures as Prometheus metrics, read from <see cref="IPipelineFigures"/> just before each scrape:
/// the hot paths keep their plain counters and pay nothing for the export. The names are the dashboards' contract
/// (docs/OBSERVABILITY.md); durations are in seconds.
/// </summary>
public sealed class PipelineMetrics
{
    private readonly IPipelineFigures _pipeline;
    private readonly (Counter Metric, Func<PipelineStats, double> Read)[] _counters;
    private readonly Counter _rejected, _events, _outcomes, _snapshotFailures;
    private readonly Gauge _snapshotAge, _snapshotDuration, _snapshotBytes, _lag, _lastCommit, _up;

    private PipelineMetrics(IPipelineFigures pipeline, IMetricFactory f)
    {
        _pipeline = pipeline;
        _counters =
        [
            (f.CreateCounter("attribution_events_consumed_total", "Input records read from Kafka, replayed ones included."), s => s.Consumed),
            (f.CreateCounter("attribution_events_replayed_total", "Input records replayed silently to rebuild state."), s => s.Replayed),
            (f.CreateCounter("attribution_attributions_produced_total", "Attributed conversions produced in committed transactions."), s => s.Produced),
            (f.CreateCounter("attribution_dead_letters_produced_total", "Rejected records produced to the dead-letter topic in committed transactions."), s => s.DeadLetters),
            (f.CreateCounter("attribution_transactions_committed_total", "Kafka transactions committed."), s => s.Commits),
            (f.CreateCounter("attribution_transactions_aborted_total", "Kafka transactions aborted."), s => s.Aborts),
            (f.CreateCounter("attribution_rewinds_total", "Rewinds of the owned partitions to their committed offsets."), s => s.Rewinds),
            (f.CreateCounter("attribution_partition_moves_total", "Partitions assigned to this host whose state was rebuilt (from its snapshot or by re-reading input)."), s => s.PartitionMoves),
            (f.CreateCounter("attribution_shared_state_exports_total", "Partition states written to the shared state directory."), s => s.SharedExports),
            (f.CreateCounter("attribution_shared_state_imports_total", "Assigned partitions started from a shared state file instead of re-reading input."), s => s.SharedImports),
            (f.CreateCounter("attribution_partition_move_records_total", "Input records re-read to rebuild the state of assigned partitions."), s => s.PartitionMoveRecords),
            (f.CreateCounter("attribution_partition_move_seconds_total", "Seconds from assignment to rebuilt state, summed over partition moves."), s => s.PartitionMoveSeconds),
            (f.CreateCounter("attribution_outputs_already_in_kafka_total", "Outputs not produced again because recovery found them in the output topic."), s => s.OutputsAlreadyInKafka),
        ];
        _rejected = f.CreateCounter("attribution_events_rejected_total", "Rejected input records by reason.", ["reason"]);
        _events = f.CreateCounter("attribution_events_total", "Events applied by kind.", ["kind"]);
        _outcomes = f.CreateCounter("attribution_outcomes_total", "Outcomes of applied events (replayed ones included).", ["outcome"]);
        // Present from start-up, at 0 until a snapshot fails: an alert on it must not wait for a first success.
        _snapshotFailures = f.CreateCounter("attribution_snapshot_failures_total", "Snapshots that failed.");
        var untilFirstSnapshot = new GaugeConfiguration { SuppressInitialValue = true };
        _snapshotAge = f.CreateGauge("attribution_snapshot_age_seconds", "Age of the newest snapshot.", untilFirstSnapshot);
        _snapshotDuration = f.CreateGauge("attribution_snapshot_duration_seconds", "How long the newest snapshot took.", untilFirstSnapshot);
        _snapshotBytes = f.CreateGauge("attribution_snapshot_bytes", "Bytes written by the newest snapshot.", untilFirstSnapshot);
        _lag = f.CreateGauge("attribution_consumer_lag", "Records behind the high watermark per owned input partition.", ["partition"]);
        _lastCommit = f.CreateGauge("attribution_last_commit_timestamp_seconds", "Unix time of the last committed transaction.");
        _up = f.CreateGauge("attribution_up", "1 while the pipeline runs without a fatal error.");
    }

    /// <summary>Adds <paramref name="pipeline"/>'s figures to <paramref name="registry"/>, read before each collection.</summary>
    public static PipelineMetrics Register(CollectorRegistry registry, IPipelineFigures pipeline)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(pipeline);
        var metrics = new PipelineMetrics(pipeline, Metrics.WithCustomRegistry(registry));
        registry.AddBeforeCollectCallback(metrics.Update);
        return metrics;
    }

    /// <summary>Reads the figures now (the registry calls this before each collection).</summary>
    public void Update()
    {
        PipelineStats s = _pipeline.Stats;
        foreach (var (metric, read) in _counters)
        {
            metric.IncTo(read(s));
        }
        if (_pipeline.Engine is { } engine)
        {
            Update(engine);
        }
        _snapshotFailures.IncTo(_pipeline.Engine?.SnapshotFailures ?? 0);
        UpdateLag(s.LagByPartition);
        _lastCommit.Set(s.LastCommitUnixMs / 1000.0);
        _up.Set(_pipeline.FatalError is null ? 1 : 0);
    }

    private void Update(AttributionEngine engine)
    {
        AttributionCounters c = engine.GetCounters();
        for (int r = 1; r < RejectReasons.Count; r++)
        {
            _rejected.WithLabels(RejectReasons.Name((RejectReason)r)).IncTo(c.Rejection((RejectReason)r));
        }
        _events.WithLabels("click").IncTo(c.Clicks);
        _events.WithLabels("conversion").IncTo(c.Conversions);
        foreach (AttributionOutcome o in Enum.GetValues<AttributionOutcome>())
        {
            _outcomes.WithLabels(AttributionOutcomes.Name(o)).IncTo(c.Outcome(o));
        }
        if (engine.LastSnapshot is { } snap)
        {
            _snapshotAge.Set((DateTimeOffset.UtcNow - snap.Manifest.CreatedAt).TotalSeconds);
            _snapshotDuration.Set(snap.Duration.TotalSeconds);
            _snapshotBytes.Set(snap.Bytes);
        }
    }

    // A partition given up leaves the metric rather than showing its last lag forever.
    private void UpdateLag(IReadOnlyDictionary<int, long> byPartition)
    {
        StaleLabels.Remove(_lag, label => int.TryParse(label, out int p) && byPartition.ContainsKey(p));
        foreach (var (p, lag) in byPartition)
        {
            _lag.WithLabels(p.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(lag);
        }
    }
}
