using System.CommandLine;
using Attribution.Engine.Pipeline;
using Attribution.Bench.Reporting;

namespace Attribution.Bench.Kafka;

/// <summary>Command-line options of the Kafka suite.</summary>
internal sealed class KafkaBenchOptions
{
    private static readonly Option<long?> EventsFlag = BenchFlags.Whole("--events", "engine throughput backlog (default 600000, --long 1500000)", new(10_000, 20_000_000));
    private static readonly Option<long?> NaiveEventsFlag = BenchFlags.Whole("--naive-events", "the naive pipeline's backlog (default = --events)", new(10_000, 20_000_000));
    private static readonly Option<long?> BrokersFlag = BenchFlags.Whole("--brokers", "brokers of the embedded cluster; partition leaders spread over them (default 1)", new(1, Attribution.Testing.Kafka.EmbeddedKafkaCluster.MaxBrokers));
    private static readonly Option<long?> PartitionsFlag = BenchFlags.Whole("--partitions", "partitions of the input and output topics (default 32)", new(1, 256));
    private static readonly Option<long?> MemoryFlag = BenchFlags.Whole("--memory-mb", "the engine pipeline's memory_mb, each table of each shard (default 512, as the engine-only limit's clicks; the host's default is 64)", new(1, 1_048_576));
    private static readonly Option<long?> ShardsFlag = BenchFlags.Whole("--shards", "engine shards (default cores - 1)", EngineOptions.ShardsRange);
    private static readonly Option<long?> CommitMsFlag = BenchFlags.Whole("--commit-ms", "transaction interval in ms (default 25)", new(1, 10_000));
    private static readonly Option<long?> LatencySecondsFlag = BenchFlags.Whole("--latency-seconds", "paced phase per pipeline (default 8, --long 30)", new(1, 3600));
    private static readonly Option<double?> LoadFlag = BenchFlags.Fraction("--load", "paced rate as a fraction of each pipeline's measured peak (default 0.5)");
    private static readonly Option<long?> EngineRateFlag = BenchFlags.Whole("--engine-rate", "the engine pipeline's paced rate in events/s instead of --load × its peak (to compare builds at one rate)", new(1_000, 10_000_000));
    private static readonly Option<long?> SeedFlag = BenchFlags.Whole("--seed", "workload seed (default 20240601)", new(int.MinValue, int.MaxValue));
    private static readonly Option<long?> UsersFlag = BenchFlags.Whole("--users", "users (default 100000)", new(1, 10_000_000));
    private static readonly Option<long?> CampaignsFlag = BenchFlags.Whole("--campaigns", "campaigns (default 50)", new(1, 80_000));
    private static readonly Option<string[]> PropertyFlag = BenchFlags.Pairs("--property", "librdkafka setting for both pipelines, repeatable");
    private static readonly Option<string?> CompressionFlag = BenchFlags.Choice("--input-compression", "compression of the upstream batches (default lz4)", "none", "lz4", "zstd");

    /// <summary>The suite's flags.</summary>
    public static IReadOnlyList<Option> Flags =>
    [
        EventsFlag, NaiveEventsFlag, BrokersFlag, PartitionsFlag, MemoryFlag, ShardsFlag, CommitMsFlag, LatencySecondsFlag, LoadFlag, EngineRateFlag, SeedFlag, UsersFlag, CampaignsFlag,
        PropertyFlag, CompressionFlag,
    ];

    public int Events { get; private set; } = BenchReport.Long ? 1_500_000 : 600_000;
    /// <summary>The naive pipeline's backlog: the same as the engine's unless set (same workload, same state size).</summary>
    public int NaiveEvents => NaiveEventsOption ?? Events;

    public int? NaiveEventsOption { get; private set; }
    public int Partitions { get; private set; } = 32;

    /// <summary>Brokers of the embedded cluster (librdkafka keeps at most 5 requests in flight per broker connection with idempotence).</summary>
    public int Brokers { get; private set; } = 1;
    /// <summary>
    /// The pipeline's <c>memory_mb</c>: sized to the state of the paced phases (2M+ events hold ~1M (user, campaign) clicks),
    /// as docs/CONFIGURATION.md asks of a deployment, so the pipeline is not measured reading state back from disk.
    /// </summary>
    public int MemoryMiB { get; private set; } = 512;
    public int Shards { get; private set; } = Math.Max(1, Environment.ProcessorCount - 1);
    public int CommitMs { get; private set; } = 25;
    public int LatencySeconds { get; private set; } = BenchReport.Long ? 30 : 8;
    public double Load { get; private set; } = 0.5;

    /// <summary>The engine pipeline's paced rate when set (`--engine-rate`), else --load × its measured peak.</summary>
    public double? EngineRate { get; private set; }
    public int Seed { get; private set; } = 20240601;
    public int Users { get; private set; } = 100_000;
    public int Campaigns { get; private set; } = 50;

    /// <summary>librdkafka properties (`--property key=value`, repeatable) given to both pipelines' clients.</summary>
    public Dictionary<string, string> Properties { get; } = [];

    /// <summary>The options given by the parsed flags (defaults for the rest).</summary>
    /// <exception cref="ArgumentException">A --property is not key=value.</exception>
    public static KafkaBenchOptions From(ParseResult flags)
    {
        var o = new KafkaBenchOptions();
        o.Events = (int)(flags.GetValue(EventsFlag) ?? o.Events);
        o.NaiveEventsOption = (int?)flags.GetValue(NaiveEventsFlag);
        o.Partitions = (int)(flags.GetValue(PartitionsFlag) ?? o.Partitions);
        o.Brokers = (int)(flags.GetValue(BrokersFlag) ?? o.Brokers);
        o.Shards = (int)(flags.GetValue(ShardsFlag) ?? o.Shards);
        o.MemoryMiB = (int)(flags.GetValue(MemoryFlag) ?? o.MemoryMiB);
        o.CommitMs = (int)(flags.GetValue(CommitMsFlag) ?? o.CommitMs);
        o.LatencySeconds = (int)(flags.GetValue(LatencySecondsFlag) ?? o.LatencySeconds);
        o.Load = flags.GetValue(LoadFlag) ?? o.Load;
        o.EngineRate = flags.GetValue(EngineRateFlag);
        o.Seed = (int)(flags.GetValue(SeedFlag) ?? o.Seed);
        o.Users = (int)(flags.GetValue(UsersFlag) ?? o.Users);
        o.Campaigns = (int)(flags.GetValue(CampaignsFlag) ?? o.Campaigns);
        KafkaLoad.Compression = flags.GetValue(CompressionFlag) switch
        {
            "none" => Confluent.Kafka.CompressionType.None,
            "zstd" => Confluent.Kafka.CompressionType.Zstd,
            _ => Confluent.Kafka.CompressionType.Lz4,
        };
        foreach (var (key, value) in BenchFlags.PairValues(flags, PropertyFlag))
        {
            o.Properties[key] = value;
        }
        return o;
    }
}
