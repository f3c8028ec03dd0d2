using HdrHistogram;

namespace Attribution.Bench.Streamiz;

/// <summary>One paced run of the Streamiz job (<see cref="StreamizRun.RunPaced"/>).</summary>
/// <param name="Events">Input records produced.</param>
/// <param name="AchievedRate">The paced producer's achieved rate, events/s.</param>
/// <param name="Processed">Input records the job processed.</param>
/// <param name="Attributed">Attributions it forwarded.</param>
/// <param name="Readable">Intended produce time → attribution read by a read_committed reader, ns.</param>
/// <param name="Committed">Intended produce time → the job's transaction holding the attribution committed, ns.</param>
/// <param name="Load">The 1-minute load average when the run ended.</param>
internal sealed record StreamizPaced(long Events, double AchievedRate, long Processed, long Attributed, LongHistogram Readable, LongHistogram Committed, string Load)
{
    /// <summary>Paced producer started → the job's first record processed.</summary>
    public double FirstSeconds { get; init; }

    /// <summary>Records produced but not yet processed when the paced producer finished (a job that keeps up has a few ms of them).</summary>
    public long BehindWhenProduced { get; init; }

    /// <summary>Paced producer finished → every record processed.</summary>
    public double CatchUpSeconds { get; init; }
}
