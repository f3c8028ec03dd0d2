using System.Globalization;
using Attribution.Bench.Reporting;

namespace Attribution.Bench.Ring;

/// <summary>Command-line options of the ring suite.</summary>
internal sealed class RingBenchOptions
{
    public const string Usage =
        "ring options: --events N (throughput events, default 5000000, --long 20000000) --size N (capacity, power of two, default 16384) " +
        "--latency-events N (saturated, default 500000, --long 2000000) --paced-events N (default 100000, --long 200000) --rate N (paced events/s, default 200000) " +
        "--repeat N (throughput runs, best kept, default 1) --only throughput|latency; or --bdn [BenchmarkDotNet args]";

    // Defaults keep the suite to tens of seconds; --long (see BenchReport.Long) gives the full-size run.
    public long Events { get; private set; } = BenchReport.Long ? 20_000_000 : 5_000_000;
    public int Capacity { get; private set; } = 16384;
    public long LatencyEvents { get; private set; } = BenchReport.Long ? 2_000_000 : 500_000;
    public long PacedEvents { get; private set; } = BenchReport.Long ? 200_000 : 100_000;
    public long Rate { get; private set; } = 200_000;
    public int Repeat { get; private set; } = 1;
    public bool Throughput { get; private set; } = true;
    public bool Latency { get; private set; } = true;
    public long WarmUpEvents => Math.Min(1_000_000, Math.Max(10_000, Events / 10));

    public static RingBenchOptions Parse(string[] args)
    {
        var o = new RingBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {name} needs a value.");
            long Number(long min)
            {
                string text = Value();
                if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min)
                {
                    throw new ArgumentException($"Option {name} needs a whole number of at least {min}; got '{text}'.");
                }
                return v;
            }
            switch (name)
            {
                case "--events": o.Events = Number(1); break;
                case "--size":
                    long size = Number(2);
                    if (size > 1 << 30 || (size & (size - 1)) != 0)
                    {
                        throw new ArgumentException($"--size must be a power of two up to 2^30; got {size}.");
                    }
                    o.Capacity = (int)size;
                    break;
                case "--latency-events": o.LatencyEvents = Number(1); break;
                case "--paced-events": o.PacedEvents = Number(1); break;
                case "--rate": o.Rate = Number(1); break;
                case "--repeat": o.Repeat = (int)Math.Min(Number(1), 100); break;
                case "--only":
                    string what = Value();
                    o.Throughput = what == "throughput";
                    o.Latency = what == "latency";
                    if (!o.Throughput && !o.Latency)
                    {
                        throw new ArgumentException($"--only takes 'throughput' or 'latency'; got '{what}'.");
                    }
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
        return o;
    }
}
