namespace Attribution.Host.Run;

/// <summary>What one window of the status page's time series saw: end-to-end latencies and transaction cycles.</summary>
/// <param name="Latencies">End-to-end latencies recorded.</param>
/// <param name="LatencyP50Ms">Their median, ms.</param>
/// <param name="LatencyP99Ms">Their 99th percentile, ms.</param>
/// <param name="LatencyMaxMs">The largest, ms.</param>
/// <param name="Cycles">Committed transaction cycles.</param>
/// <param name="CycleP50Micros">Their median duration, µs.</param>
/// <param name="CycleP99Micros">Their 99th percentile, µs.</param>
/// <param name="CycleMaxMicros">The longest, µs.</param>
public readonly record struct StatusWindow(
    long Latencies, long LatencyP50Ms, long LatencyP99Ms, long LatencyMaxMs,
    long Cycles, long CycleP50Micros, long CycleP99Micros, long CycleMaxMicros);
