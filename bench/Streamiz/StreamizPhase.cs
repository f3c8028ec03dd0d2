namespace Attribution.Bench.Streamiz;

/// <summary>One drained backlog through the Streamiz job.</summary>
/// <param name="Events">Input records processed.</param>
/// <param name="Seconds">First input record processed → the output topic's offsets stopped moving after the last one (its last transaction committed; polled every few ms).</param>
/// <param name="Attributed">Attributions forwarded.</param>
/// <param name="Duplicates">Conversions dropped as already attributed.</param>
/// <param name="Invalid">Input records that were not a valid click or conversion.</param>
/// <param name="FinalState">The stream's state when the backlog was processed.</param>
internal sealed record StreamizPhase(long Events, double Seconds, long Attributed, long Duplicates, long Invalid, string FinalState)
{
    public double PerSecond => Events / Seconds;

    /// <summary>First input record processed → half of them processed.</summary>
    public double HalfSeconds { get; init; }

    /// <summary>Events/s over the second half of the backlog (start-up behind it: every task opened its stores).</summary>
    public double SecondHalfPerSecond => HalfSeconds > 0 ? (Events - (Events / 2)) / (Seconds - HalfSeconds) : PerSecond;

    /// <summary>First input record processed → last one processed (without the last commit).</summary>
    public double ProcessedSeconds { get; init; }

    /// <summary>Offsets written to the stores' changelog topics (their high watermarks; 0 with the changelog off).</summary>
    public long ChangelogOffsets { get; init; }

    /// <summary>Offsets of the output topic (records plus the transactions' commit markers).</summary>
    public long OutputOffsets { get; init; }

    /// <summary>Events/s sampled while it ran (for the throughput plot), when asked for.</summary>
    public Attribution.Bench.Reporting.ThroughputSeries? Series { get; init; }

    /// <summary>The 1-minute load average when the run ended.</summary>
    public string Load { get; init; } = "n/a";
}
