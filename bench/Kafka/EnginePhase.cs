using Attribution.Bench.Reporting;
using Attribution.Engine.Attribution;
using Attribution.Host.Run;
using HdrHistogram;

namespace Attribution.Bench.Kafka;

/// <summary>One measured run of the host's pipeline (<see cref="KafkaEngineRun"/>): a drained backlog or a paced phase.</summary>
/// <param name="Events">Input records timed (from the first one consumed on).</param>
/// <param name="Seconds">First input record consumed → every input offset (and, re-keying, every repartition record) committed.</param>
/// <param name="Produced">Attributions produced.</param>
/// <param name="Commits">Transactions committed.</param>
/// <param name="Stats">The pipeline's own figures (its commit-latency histogram).</param>
/// <param name="MisKeyed">Input records the pipeline counted as not keyed by user id.</param>
internal sealed record EnginePhase(long Events, double Seconds, long Produced, long Commits, PipelineStats Stats, long MisKeyed)
{
    public double PerSecond => Events / Seconds;
    public double HalfSeconds { get; init; }
    public double SecondHalfPerSecond => HalfSeconds > 0 ? (Events - (Events / 2)) / (Seconds - HalfSeconds) : PerSecond;
    public ThroughputSeries? Series { get; init; }
    /// <summary>Output readable latencies after the paced phase's warm-up (<see cref="KafkaLoad.WarmUpSeconds"/>).</summary>
    public LongHistogram? Latency { get; init; }

    /// <summary>Output readable latencies of the conversions meant to be sent in the warm-up.</summary>
    public LongHistogram? WarmUpLatency { get; init; }

    /// <summary>CPU by thread name during the paced phase (<see cref="ThreadCpu.Describe"/>), null for a backlog run.</summary>
    public string? Cpu { get; init; }
    public double AchievedRate { get; init; }

    /// <summary>
    /// In a paced run: how long after the paced producer's last record was delivered every input offset was committed.
    /// A pipeline that keeps up needs about one transaction cycle; one that fell behind needs its backlog's drain time.
    /// </summary>
    public double DrainAfterProducerSeconds { get; init; }

    /// <summary>In a paced run: the committed transaction cycles' durations (µs) from the producer's start to the end.</summary>
    public StatusWindow? Cycles { get; init; }

    /// <summary>Whether a paced run kept up with its producer: everything committed within <see cref="KeptUpSeconds"/> of its last record.</summary>
    public bool KeptUp => DrainAfterProducerSeconds <= KeptUpSeconds;

    /// <summary>Half a second: ten 25 ms cycles; a pipeline further behind than this at the end was behind its input.</summary>
    public const double KeptUpSeconds = 0.5;

    /// <summary>The 1-minute load average when the run ended.</summary>
    public string Load { get; init; } = "n/a";

    /// <summary>The engine's outcome counters at the end of the run (why conversions were or were not attributed).</summary>
    public AttributionCounters? Outcomes { get; init; }

    /// <summary>
    /// A percentile of the pipeline's input produce time → output committed histogram, in ms: in a paced run, of the
    /// inputs meant to be sent after the warm-up (all of them without a split).
    /// </summary>
    public long Commit(double percentile) => Stats.LatencyPercentile(percentile, LatencySpan.AfterSplit);

    /// <summary>How many outputs <see cref="Commit"/> covers.</summary>
    public long CommitCount => Stats.LatencyCount(LatencySpan.AfterSplit);

    /// <summary>How many outputs <see cref="CommitWarmUp"/> covers.</summary>
    public long CommitWarmUpCount => Stats.LatencyCount(LatencySpan.BeforeSplit);

    /// <summary>The same, of the inputs meant to be sent in the warm-up.</summary>
    public long CommitWarmUp(double percentile) => Stats.LatencyPercentile(percentile, LatencySpan.BeforeSplit);
}
