namespace Attribution.Host.Demo;

/// <summary>End-to-end latency percentiles of a part of the demo's run, in ms, and how many attributions they cover.</summary>
public readonly record struct LatencyFigures(long Count, long P50, long P99, long P999, long Max);
