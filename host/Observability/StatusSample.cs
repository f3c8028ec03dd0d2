using Attribution.Host.Run;

namespace Attribution.Host.Observability;

/// <summary>One second of the status page's time series: the run's counters at its end and what its window saw.</summary>
/// <param name="UnixMs">When it was taken.</param>
/// <param name="Consumed">Input records read so far.</param>
/// <param name="Produced">Attributions committed so far.</param>
/// <param name="DeadLetters">Dead letters committed so far.</param>
/// <param name="Commits">Transactions committed so far.</param>
/// <param name="Lag">Records behind the high watermarks then.</param>
/// <param name="Window">End-to-end latencies and transaction cycles since the previous sample.</param>
public readonly record struct StatusSample(long UnixMs, long Consumed, long Produced, long DeadLetters, long Commits, long Lag, StatusWindow Window);
