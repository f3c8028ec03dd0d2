namespace Attribution.Host.Run;

/// <summary>Which end-to-end latencies a percentile is of (see <see cref="PipelineStats.SplitLatencies"/>).</summary>
public enum LatencySpan
{
    /// <summary>Every latency since the start.</summary>
    All,

    /// <summary>Those of input records sent before the split time.</summary>
    BeforeSplit,

    /// <summary>Those of input records sent at or after the split time (all of them when no split was set).</summary>
    AfterSplit,
}
