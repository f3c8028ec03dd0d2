using System.Globalization;
using Attribution.Engine.Pipeline;

namespace Attribution.Bench.Engine;

/// <summary>Command-line options of the engine suite.</summary>
internal sealed class EngineBenchOptions
{
    public const string Usage =
        "engine options: --events N (default 1000000, --long 5000000) --shards N (the configured shard count, default = cores; 1 and 2 always run too) " +
        "--users N (default 100000) --campaigns N (default 50) --seed N (default 20240601) " +
        "--latency-events N (paced run, default = --events) --load F (paced rate as a fraction of the measured peak, default 0.5) --latency-shards N (default = --shards) " +
        "--wait yielding|busyspin|sleeping|blocking (default yielding) --ring N (slots, default 8192) " +
        "--click-mib N / --conversion-mib N (per-shard state memory, default 1024 / 256) --index-buckets N (per table, default 2^18) " +
        "--skip-baseline; or --bdn [BenchmarkDotNet args]";

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
    public int RingSize { get; private set; } = 8192;
    public long ClickMemoryBytes { get; private set; } = 1024L << 20;
    public long ConversionMemoryBytes { get; private set; } = 256L << 20;
    public long IndexBuckets { get; private set; } = 1L << 18;
    public bool SkipBaseline { get; private set; }

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
    };

    public static EngineBenchOptions Parse(string[] args)
    {
        var o = new EngineBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {name} needs a value.");
            long Number(long min, long max)
            {
                string text = Value();
                if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min || v > max)
                {
                    throw new ArgumentException($"Option {name} needs a whole number from {min} to {max}; got '{text}'.");
                }
                return v;
            }
            long PowerOfTwo(long min, long max)
            {
                long v = Number(min, max);
                return (v & (v - 1)) == 0 ? v : throw new ArgumentException($"Option {name} needs a power of two; got {v}.");
            }
            switch (name)
            {
                case "--events": o.Events = (int)Number(1000, 100_000_000); break;
                case "--shards": o.Shards = (int)Number(1, 64); break;
                case "--users": o.Users = (int)Number(1, 10_000_000); break;
                case "--campaigns": o.Campaigns = (int)Number(1, 80_000); break;
                case "--seed": o.Seed = (int)Number(int.MinValue, int.MaxValue); break;
                case "--latency-events": o.LatencyEventsOption = (int)Number(1000, 100_000_000); break;
                case "--latency-shards": o.LatencyShardsOption = (int)Number(1, 64); break;
                case "--load":
                    string text = Value();
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double load) || load is <= 0 or > 1)
                    {
                        throw new ArgumentException($"--load needs a fraction in (0, 1]; got '{text}'.");
                    }
                    o.Load = load;
                    break;
                case "--wait":
                    string wait = Value();
                    o.Wait = wait switch
                    {
                        "yielding" => WaitKind.Yielding,
                        "busyspin" => WaitKind.BusySpin,
                        "sleeping" => WaitKind.Sleeping,
                        "blocking" => WaitKind.Blocking,
                        _ => throw new ArgumentException($"--wait takes yielding, busyspin, sleeping or blocking; got '{wait}'."),
                    };
                    break;
                case "--ring": o.RingSize = (int)PowerOfTwo(2, 1 << 22); break;
                case "--click-mib": o.ClickMemoryBytes = Number(1, 1 << 16) << 20; break;
                case "--conversion-mib": o.ConversionMemoryBytes = Number(1, 1 << 16) << 20; break;
                case "--index-buckets": o.IndexBuckets = PowerOfTwo(64, 1L << 30); break;
                case "--skip-baseline": o.SkipBaseline = true; break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
        return o;
    }
}
