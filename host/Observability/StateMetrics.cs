using System.Globalization;
using Prometheus;

namespace Attribution.Host.Observability;

/// <summary>
/// Per-partition event time, the state's size, partitions owned and rebuilding, and the build, read from
/// <see cref="IPipelineFigures"/> before each scrape (beside <see cref="PipelineMetrics"/>; docs/OBSERVABILITY.md).
/// </summary>
public sealed class StateMetrics
{
    private readonly IPipelineFigures _pipeline;
    private readonly Gauge _watermark, _eventTimeLag, _stateBytes, _stateDiskBytes, _stateEntries, _owned, _rebuilding;

    private StateMetrics(IPipelineFigures pipeline, IMetricFactory f)
    {
        _pipeline = pipeline;
        f.CreateGauge("attribution_build_info", "1, labelled by the binary's version and source commit.", ["version", "commit"])
            .WithLabels(BuildInfo.Version, BuildInfo.Commit).Set(1);
        _watermark = f.CreateGauge("attribution_partition_watermark_seconds", "Event-time watermark (largest event time applied) per owned partition, Unix time.", ["partition"]);
        _eventTimeLag = f.CreateGauge("attribution_partition_event_time_lag_seconds", "Wall clock minus the event-time watermark per owned partition.", ["partition"]);
        _stateBytes = f.CreateGauge("attribution_state_bytes", "Bytes the state's logs span (live records plus garbage not yet compacted), by table.", ["table"]);
        _stateDiskBytes = f.CreateGauge("attribution_state_disk_bytes", "Of attribution_state_bytes, the bytes on disk only: the table outgrew memory_mb and look-ups of older records wait for I/O, by table.", ["table"]);
        _stateEntries = f.CreateGauge("attribution_state_entries", "Live state entries by table: click histories per (user, campaign), remembered conversion ids.", ["table"]);
        _owned = f.CreateGauge("attribution_partitions_owned", "Partitions this host owns.");
        _rebuilding = f.CreateGauge("attribution_partitions_rebuilding", "Owned partitions whose state is still being rebuilt (not ready while above 0).");
    }

    /// <summary>Adds <paramref name="pipeline"/>'s figures to <paramref name="registry"/>, read before each collection.</summary>
    public static StateMetrics Register(CollectorRegistry registry, IPipelineFigures pipeline)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(pipeline);
        var metrics = new StateMetrics(pipeline, Metrics.WithCustomRegistry(registry));
        registry.AddBeforeCollectCallback(metrics.Update);
        return metrics;
    }

    /// <summary>Reads the figures now (the registry calls this before each collection).</summary>
    public void Update()
    {
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var partitions = _pipeline.Partitions();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int rebuilding = 0;
        foreach (var p in partitions)
        {
            rebuilding += p.Rebuilding ? 1 : 0;
            if (p.WatermarkMs is { } w)
            {
                string label = p.Partition.ToString(CultureInfo.InvariantCulture);
                seen.Add(label);
                _watermark.WithLabels(label).Set(w / 1000.0);
                _eventTimeLag.WithLabels(label).Set(p.EventTimeLagSeconds(nowMs)!.Value);
            }
        }
        // A partition given up (or not yet seen an event) leaves the metrics rather than showing a stale figure.
        StaleLabels.Remove(_watermark, seen.Contains);
        StaleLabels.Remove(_eventTimeLag, seen.Contains);
        _owned.Set(partitions.Count);
        _rebuilding.Set(rebuilding);
        if (_pipeline.Engine is { } engine)
        {
            var size = engine.StateSize();
            _stateBytes.WithLabels("clicks").Set(size.ClickBytes);
            _stateBytes.WithLabels("conversions").Set(size.ConversionBytes);
            _stateDiskBytes.WithLabels("clicks").Set(size.ClickDiskBytes);
            _stateDiskBytes.WithLabels("conversions").Set(size.ConversionDiskBytes);
            _stateEntries.WithLabels("clicks").Set(size.ClickEntries);
            _stateEntries.WithLabels("conversions").Set(size.ConversionEntries);
        }
    }
}
