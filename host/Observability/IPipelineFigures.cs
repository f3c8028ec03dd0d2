using Attribution.Engine.Pipeline;
using Attribution.Host.Run;

namespace Attribution.Host.Observability;

/// <summary>What the metrics server reads from a running pipeline, at scrape time.</summary>
public interface IPipelineFigures
{
    /// <summary>Live figures of the run (counters, lag, the latency histogram and its registry).</summary>
    PipelineStats Stats { get; }

    /// <summary>The engine once started (for its counters and snapshots), else null.</summary>
    AttributionEngine? Engine { get; }

    /// <summary>The one-sentence reason the run stopped with an error, or null.</summary>
    string? FatalError { get; }

    /// <summary>Set once the pipeline owns its partitions and can commit.</summary>
    ManualResetEventSlim Ready { get; }

    /// <summary>Whether the consumer joined its group and took an assignment (possibly empty: a standby).</summary>
    bool Joined { get; }

    /// <summary>The owned partitions now: offsets, lag, recovery state and event-time watermark (a copy).</summary>
    IReadOnlyList<PartitionFigures> Partitions();
}
