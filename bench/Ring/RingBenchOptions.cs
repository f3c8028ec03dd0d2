using System.CommandLine;
using Attribution.Bench.Reporting;

namespace Attribution.Bench.Ring;

/// <summary>Command-line options of the ring suite.</summary>
internal sealed class RingBenchOptions
{
    private static readonly Option<long?> EventsFlag = BenchFlags.Whole("--events", "throughput events (default 5000000, --long 20000000)", new(1, long.MaxValue));
    private static readonly Option<long?> SizeFlag = BenchFlags.PowerOfTwo("--size", "capacity, a power of two up to 2^30 (default 16384)", new(2, 1 << 30));
    private static readonly Option<long?> LatencyEventsFlag = BenchFlags.Whole("--latency-events", "saturated latency events (default 500000, --long 2000000)", new(1, long.MaxValue));
    private static readonly Option<long?> PacedEventsFlag = BenchFlags.Whole("--paced-events", "paced latency events (default 100000, --long 200000)", new(1, long.MaxValue));
    private static readonly Option<long?> RateFlag = BenchFlags.Whole("--rate", "paced events/s (default 200000)", new(1, long.MaxValue));
    private static readonly Option<long?> RepeatFlag = BenchFlags.Whole("--repeat", "throughput runs, best kept (default 1)", new(1, 100));
    private static readonly Option<string?> OnlyFlag = BenchFlags.Choice("--only", "run one half only", "throughput", "latency");

    /// <summary>The suite's flags.</summary>
    public static IReadOnlyList<Option> Flags => [EventsFlag, SizeFlag, LatencyEventsFlag, PacedEventsFlag, RateFlag, RepeatFlag, OnlyFlag];

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

    /// <summary>The options given by the parsed flags (defaults for the rest).</summary>
    public static RingBenchOptions From(ParseResult flags)
    {
        var o = new RingBenchOptions();
        o.Events = flags.GetValue(EventsFlag) ?? o.Events;
        o.Capacity = (int)(flags.GetValue(SizeFlag) ?? o.Capacity);
        o.LatencyEvents = flags.GetValue(LatencyEventsFlag) ?? o.LatencyEvents;
        o.PacedEvents = flags.GetValue(PacedEventsFlag) ?? o.PacedEvents;
        o.Rate = flags.GetValue(RateFlag) ?? o.Rate;
        o.Repeat = (int)(flags.GetValue(RepeatFlag) ?? o.Repeat);
        if (flags.GetValue(OnlyFlag) is { } only)
        {
            o.Throughput = only == "throughput";
            o.Latency = only == "latency";
        }
        return o;
    }
}
