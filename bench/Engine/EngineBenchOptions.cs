using System.CommandLine;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;

namespace Attribution.Bench.Engine;

/// <summary>Command-line options of the engine suite.</summary>
internal sealed class EngineBenchOptions
{
    private static readonly Option<long?> EventsFlag = BenchFlags.Whole("--events", "events (default 1000000, --long 5000000)", new(1000, 100_000_000));
    private static readonly Option<long?> ShardsFlag = BenchFlags.Whole("--shards", "the configured shard count (default = cores; 1 and 2 always run too)", global::Attribution.Engine.Pipeline.EngineOptions.ShardsRange);
    private static readonly Option<long?> UsersFlag = BenchFlags.Whole("--users", "users (default 100000)", new(1, 10_000_000));
    private static readonly Option<long?> CampaignsFlag = BenchFlags.Whole("--campaigns", "campaigns (default 50)", new(1, 80_000));
    private static readonly Option<long?> SeedFlag = BenchFlags.Whole("--seed", "workload seed (default 20240601)", new(int.MinValue, int.MaxValue));
    private static readonly Option<long?> LatencyEventsFlag = BenchFlags.Whole("--latency-events", "events of the paced run (default = --events)", new(1000, 100_000_000));
    private static readonly Option<double?> LoadFlag = BenchFlags.Fraction("--load", "paced rate as a fraction of the measured peak (default 0.5)");
    private static readonly Option<long?> LatencyShardsFlag = BenchFlags.Whole("--latency-shards", "shards of the paced run (default = --shards)", global::Attribution.Engine.Pipeline.EngineOptions.ShardsRange);
    private static readonly Option<long?> HandOverFlag = BenchFlags.Whole("--paced-hand-over-us", "paced run: the producer submits what is due every this many µs and sleeps between; 0 = wait per event with Thread.Yield (default 50)", new(0, 1_000_000));
    private static readonly Option<string?> WaitFlag = BenchFlags.Choice("--wait", "how idle shards wait (default yielding)", "yielding", "busyspin", "sleeping", "blocking");
    private static readonly Option<long?> RingFlag = BenchFlags.PowerOfTwo("--ring", "ring slots (default 8192)", global::Attribution.Engine.Pipeline.EngineOptions.RingSizeRange);
    private static readonly Option<long?> ClickMibFlag = BenchFlags.Whole("--click-mib", "per-shard click state memory in MiB (default 1024)", MemoryMiB);
    private static readonly Option<long?> ConversionMibFlag = BenchFlags.Whole("--conversion-mib", "per-shard conversion state memory in MiB (default 256)", MemoryMiB);
    private static readonly Option<long?> IndexBucketsFlag = BenchFlags.PowerOfTwo("--index-buckets", "index buckets per table (default: the engine's, 2^16; 2^18 measured 0.82× as fast with 1 shard, bench/RESULTS.md)", global::Attribution.Engine.Pipeline.EngineOptions.IndexBucketsRange);
    private static readonly Option<long?> ExpireEveryFlag = BenchFlags.Whole("--expire-every", "events between expiry passes per shard (default 250000, the engine's)", new(1, long.MaxValue));
    private static readonly Option<bool> SkipBaselineFlag = BenchFlags.Switch("--skip-baseline", "do not run the JsonSerializer+Dictionary baseline");

    private static SettingRange MemoryMiB => new(global::Attribution.Engine.Pipeline.EngineOptions.MemoryBytesRange.Min >> 20, global::Attribution.Engine.Pipeline.EngineOptions.MemoryBytesRange.Max >> 20);

    /// <summary>The suite's flags.</summary>
    public static IReadOnlyList<Option> Flags =>
    [
        EventsFlag, ShardsFlag, UsersFlag, CampaignsFlag, SeedFlag, LatencyEventsFlag, LoadFlag, LatencyShardsFlag, HandOverFlag, WaitFlag, RingFlag,
        ClickMibFlag, ConversionMibFlag, IndexBucketsFlag, ExpireEveryFlag, SkipBaselineFlag,
    ];

    // Defaults keep the suite to tens of seconds on 2 cores; --long (BenchReport.Long) gives the old full size.
    public int Events { get; private set; } = Attribution.Bench.Reporting.BenchReport.Long ? 5_000_000 : 1_000_000;
    public int Shards { get; private set; } = Environment.ProcessorCount;
    public int Users { get; private set; } = 100_000;
    public int Campaigns { get; private set; } = 50;
    public int Seed { get; private set; } = 20240601;
    public int? LatencyEventsOption { get; private set; }
    public int? LatencyShardsOption { get; private set; }
    public double Load { get; private set; } = 0.5;
    public WaitKind Wait { get; private set; } = WaitKind.Yielding;

    /// <summary>
    /// Paced run: the producer's hand-over interval. 50 µs chosen from measurement (bench/RESULTS.md, sixth round): 2 shards
    /// had a p99 of 0.31-0.57 ms at 50-100 µs, 1.9 ms at 200 µs (the sleeps' overshoot adds up), 4.5 ms waiting per event.
    /// </summary>
    public long HandOverMicros { get; private set; } = 50;

    public long HandOverTicks => HandOverMicros * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
    public int RingSize { get; private set; } = 8192;
    public long ClickMemoryBytes { get; private set; } = 1024L << 20;
    public long ConversionMemoryBytes { get; private set; } = 256L << 20;
    public long IndexBuckets { get; private set; } = new global::Attribution.Engine.Pipeline.EngineOptions().IndexBuckets;
    public bool SkipBaseline { get; private set; }
    public long? ExpireEvery { get; private set; }

    public int LatencyEvents => LatencyEventsOption ?? Events;

    /// <summary>Shard count of the paced run (its rate is a fraction of this count's measured peak).</summary>
    public int LatencyShards => LatencyShardsOption ?? Shards;

    /// <summary>Warm-up events (JIT tiering) before the first timed run of each contender.</summary>
    public int WarmUpEvents => Math.Min(Events, 300_000);

    /// <summary>Shard counts to measure: 1, 2 and the configured one.</summary>
    public int[] ShardCounts => [.. new[] { 1, 2, Shards, LatencyShards }.Distinct().Order()];

    public EngineOptions EngineOptions(int shards) => new()
    {
        Shards = shards,
        RingSize = RingSize,
        Wait = Wait,
        ClickMemoryBytes = ClickMemoryBytes,
        ConversionMemoryBytes = ConversionMemoryBytes,
        IndexBuckets = IndexBuckets,
        ExpireEveryEvents = ExpireEvery ?? new EngineOptions().ExpireEveryEvents,
    };

    /// <summary>The options given by the parsed flags (defaults for the rest).</summary>
    public static EngineBenchOptions From(ParseResult flags)
    {
        var o = new EngineBenchOptions();
        o.Events = (int)(flags.GetValue(EventsFlag) ?? o.Events);
        o.Shards = (int)(flags.GetValue(ShardsFlag) ?? o.Shards);
        o.Users = (int)(flags.GetValue(UsersFlag) ?? o.Users);
        o.Campaigns = (int)(flags.GetValue(CampaignsFlag) ?? o.Campaigns);
        o.Seed = (int)(flags.GetValue(SeedFlag) ?? o.Seed);
        o.LatencyEventsOption = (int?)flags.GetValue(LatencyEventsFlag);
        o.LatencyShardsOption = (int?)flags.GetValue(LatencyShardsFlag);
        o.Load = flags.GetValue(LoadFlag) ?? o.Load;
        o.HandOverMicros = flags.GetValue(HandOverFlag) ?? o.HandOverMicros;
        o.Wait = flags.GetValue(WaitFlag) switch
        {
            "busyspin" => WaitKind.BusySpin,
            "sleeping" => WaitKind.Sleeping,
            "blocking" => WaitKind.Blocking,
            _ => WaitKind.Yielding,
        };
        o.RingSize = (int)(flags.GetValue(RingFlag) ?? o.RingSize);
        o.ClickMemoryBytes = flags.GetValue(ClickMibFlag) is { } c ? c << 20 : o.ClickMemoryBytes;
        o.ConversionMemoryBytes = flags.GetValue(ConversionMibFlag) is { } v ? v << 20 : o.ConversionMemoryBytes;
        o.IndexBuckets = flags.GetValue(IndexBucketsFlag) ?? o.IndexBuckets;
        o.SkipBaseline = flags.GetValue(SkipBaselineFlag);
        o.ExpireEvery = flags.GetValue(ExpireEveryFlag);
        return o;
    }
}
