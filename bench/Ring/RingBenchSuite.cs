using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Attribution.Engine.Events;
using BenchmarkDotNet.Running;
using Attribution.Bench.Reporting;
using HdrHistogram;

namespace Attribution.Bench.Ring;

/// <summary>
/// `dotnet run -c Release --project bench -- ring [options]`: our ring against System.Threading.Channels and
/// BlockingCollection, side by side in one run: throughput and hand-off latency (saturated and paced),
/// for a 64-byte struct and for the real EventRecord. `ring --bdn [BenchmarkDotNet args]` runs the
/// BenchmarkDotNet allocation check instead.
/// </summary>
public sealed class RingBenchSuite : IBenchSuite
{
    private static readonly HandOff[] Contenders = [HandOff.RingBusySpin, HandOff.RingYielding, HandOff.Channel, HandOff.BlockingCollection];

    /// <inheritdoc />
    public string Name => "ring";

    /// <inheritdoc />
    public string Description => "ring buffer vs Channel vs BlockingCollection: throughput, hand-off latency (--bdn: BenchmarkDotNet 0 B/op)";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => RingBenchOptions.Flags;

    /// <inheritdoc />
    public int? RunBenchmarkDotNet(string[] args)
    {
        BenchmarkSwitcher.FromTypes([typeof(RingPublishConsumeBenchmarks)]).Run(args);
        return 0;
    }

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        RingBenchOptions options = RingBenchOptions.From(flags);

        Console.WriteLine("## Ring hand-off benchmark");
        Console.WriteLine();
        Console.WriteLine($"{Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
                          $"Stopwatch {Stopwatch.Frequency:N0} Hz, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{LoadAverage()}. " +
                          $"One producer thread, one consumer thread, capacity {options.Capacity:N0}. Busy-spin needs a free core for each of the two threads.");
        Console.WriteLine();

        var throughput = new List<ThroughputRow>();
        var latency = new List<LatencyRow>();
        if (options.Throughput)
        {
            RunThroughput<SmallEvent, SmallEventPayload>(options, throughput);
            RunThroughput<EventRecord, EventRecordPayload>(options, throughput);
            PrintThroughput(throughput);
        }
        if (options.Latency)
        {
            RunLatency<SmallEvent, SmallEventPayload>(options, latency);
            RunLatency<EventRecord, EventRecordPayload>(options, latency);
            PrintLatency(options, latency);
        }
        PrintTargets(throughput, latency);
        return 0;
    }

    private static void RunThroughput<T, TPayload>(RingBenchOptions o, List<ThroughputRow> rows)
        where T : struct
        where TPayload : IBenchPayload<T>
    {
        long? expected = null;
        SameThread<T, TPayload>(o.WarmUpEvents, o.Capacity);
        double limit = SameThread<T, TPayload>(o.Events, o.Capacity);
        Limits.Add((TPayload.Name, o.Events / limit));
        foreach (HandOff kind in Contenders)
        {
            BenchProgress.Step($"throughput {Label(kind)} / {TPayload.Name}");
            HandOffBench.Run<T, TPayload, NoStamp, NoRecorder>(kind, o.WarmUpEvents, o.Capacity, default, default);
            double best = double.MaxValue;
            for (int r = 0; r < o.Repeat; r++)
            {
                (double seconds, long checksum) = HandOffBench.Run<T, TPayload, NoStamp, NoRecorder>(kind, o.Events, o.Capacity, default, default);
                CheckSame(ref expected, checksum, kind);
                best = Math.Min(best, seconds);
            }
            rows.Add(new ThroughputRow(kind, TPayload.Name, o.Events, best));
            Console.Error.WriteLine($"  throughput {Label(kind)} / {TPayload.Name}: {o.Events / best / 1e6:F1} M/s");
        }
    }

    private static void RunLatency<T, TPayload>(RingBenchOptions o, List<LatencyRow> rows)
        where T : struct
        where TPayload : IBenchPayload<T>
    {
        foreach (HandOff kind in Contenders)
        {
            BenchProgress.Step($"latency {Label(kind)} / {TPayload.Name}");
            var warm = new LongHistogram(HandOffBench.HistogramMaxNanos, 3);
            HandOffBench.Run<T, TPayload, NowStamp, HistogramRecorder>(kind, o.WarmUpEvents, o.Capacity, default, new HistogramRecorder(warm));
            var saturated = new LongHistogram(HandOffBench.HistogramMaxNanos, 3);
            HandOffBench.Run<T, TPayload, NowStamp, HistogramRecorder>(kind, o.LatencyEvents, o.Capacity, default, new HistogramRecorder(saturated));
            rows.Add(new LatencyRow(kind, TPayload.Name, "saturated", saturated));

            long interval = Math.Max(1, Stopwatch.Frequency / o.Rate);
            HandOffBench.Run<T, TPayload, PacedStamp, HistogramRecorder>(kind, Math.Min(o.PacedEvents, 20_000), o.Capacity,
                new PacedStamp(Stopwatch.GetTimestamp(), interval), new HistogramRecorder(warm));
            var paced = new LongHistogram(HandOffBench.HistogramMaxNanos, 3);
            HandOffBench.Run<T, TPayload, PacedStamp, HistogramRecorder>(kind, o.PacedEvents, o.Capacity,
                new PacedStamp(Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100, interval), new HistogramRecorder(paced));
            rows.Add(new LatencyRow(kind, TPayload.Name, "paced", paced));

            var sent = new LongHistogram(HandOffBench.HistogramMaxNanos, 3);
            HandOffBench.Run<T, TPayload, PacedSendStamp, HistogramRecorder>(kind, Math.Min(o.PacedEvents, 20_000), o.Capacity,
                new PacedSendStamp(Stopwatch.GetTimestamp(), interval), new HistogramRecorder(warm));
            HandOffBench.Run<T, TPayload, PacedSendStamp, HistogramRecorder>(kind, o.PacedEvents, o.Capacity,
                new PacedSendStamp(Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100, interval), new HistogramRecorder(sent));
            rows.Add(new LatencyRow(kind, TPayload.Name, "paced, send time", sent));
            BenchReport.AddLatency($"ring hand-off, {TPayload.Name}, saturated", Label(kind), saturated);
            BenchReport.AddLatency($"ring hand-off, {TPayload.Name}, paced at {o.Rate:N0}/s from intended send time (CO-corrected)", Label(kind), paced);
            BenchProgress.Done($"latency {Label(kind)} / {TPayload.Name}");
            Console.Error.WriteLine($"  latency {Label(kind)} / {TPayload.Name}: p99 saturated {Micros(saturated.GetValueAtPercentile(99))} µs, " +
                                    $"paced {Micros(paced.GetValueAtPercentile(99))} µs, paced send-time {Micros(sent.GetValueAtPercentile(99))} µs");
        }
    }

    // (payload, events/s) of the same-thread limit, printed above the hand-off table.
    private static readonly List<(string Payload, double PerSecond)> Limits = [];

    /// <summary>
    /// The physical limit of a hand-off: one thread writes each event into a ring-sized slot array and reads it
    /// back, the memory traffic every contender does, without a second thread, a sequence or a lock.
    /// </summary>
    private static double SameThread<T, TPayload>(long events, int capacity)
        where T : struct
        where TPayload : IBenchPayload<T>
    {
        var slots = new T[capacity];
        int mask = capacity - 1;
        long checksum = 0;
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < events; i++)
        {
            ref T slot = ref slots[(int)(i & mask)];
            TPayload.Fill(ref slot, i, 0);
            checksum += TPayload.Touch(ref slot);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        GC.KeepAlive(checksum);
        return seconds;
    }

    private static void CheckSame(ref long? expected, long checksum, HandOff kind)
    {
        expected ??= checksum;
        if (expected != checksum)
        {
            throw new InvalidOperationException($"{Label(kind)} delivered different events (checksum {checksum}, expected {expected}).");
        }
    }

    private static void PrintThroughput(List<ThroughputRow> rows)
    {
        Console.WriteLine("### Throughput (saturated producer, events handed from one thread to another)");
        Console.WriteLine();
        Console.WriteLine("| hand-off | payload | events | seconds | M events/s | vs Channel |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach ((string payload, double perSecond) in Limits)
        {
            double channel = rows.First(r => r.Payload == payload && r.Kind == HandOff.Channel).PerSecond;
            Console.WriteLine($"| limit: one thread writes and reads the slots (no hand-off) | {payload} | | | {perSecond / 1e6:F1} | {perSecond / channel:F2}× |");
        }
        foreach (ThroughputRow row in rows)
        {
            double channel = rows.First(r => r.Payload == row.Payload && r.Kind == HandOff.Channel).PerSecond;
            Console.WriteLine($"| {Label(row.Kind)} | {row.Payload} | {row.Events:N0} | {row.Seconds:F3} | {row.PerSecond / 1e6:F1} | {row.PerSecond / channel:F2}× |");
        }
        Console.WriteLine();
    }

    private static void PrintLatency(RingBenchOptions o, List<LatencyRow> rows)
    {
        Console.WriteLine("### Hand-off latency (µs, publish → consumer sees it)");
        Console.WriteLine();
        Console.WriteLine($"*saturated*: {o.LatencyEvents:N0} events as fast as possible, stamped just before the claim; this measures queueing " +
                          "behind a full buffer as much as the hand-off itself. " +
                          $"*paced*: {o.PacedEvents:N0} events at a constant {o.Rate:N0}/s, each stamped with its intended send time " +
                          "(so a stalled producer shows up as latency: corrected for coordinated omission); this is the honest figure for an idle consumer. " +
                          "*paced, send time*: the same, stamped when actually sent; it isolates the hand-off but hides producer stalls.");
        Console.WriteLine();
        Console.WriteLine("| hand-off | payload | producer | p50 | p99 | p99.9 | max |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|");
        foreach (LatencyRow row in rows)
        {
            LongHistogram h = row.Histogram;
            Console.WriteLine($"| {Label(row.Kind)} | {row.Payload} | {row.Mode} | {Micros(h.GetValueAtPercentile(50))} | {Micros(h.GetValueAtPercentile(99))} | " +
                              $"{Micros(h.GetValueAtPercentile(99.9))} | {Micros(h.GetMaxValue())} |");
        }
        Console.WriteLine();
    }

    private static void PrintTargets(List<ThroughputRow> throughput, List<LatencyRow> latency)
    {
        Console.WriteLine("### Against the targets (≥ 5× Channel throughput, p99 hand-off < 1 µs)");
        Console.WriteLine();
        foreach (string payload in throughput.Select(r => r.Payload).Distinct())
        {
            double channel = throughput.First(r => r.Payload == payload && r.Kind == HandOff.Channel).PerSecond;
            foreach (ThroughputRow ring in throughput.Where(r => r.Payload == payload && r.Kind is HandOff.RingBusySpin or HandOff.RingYielding))
            {
                double ratio = ring.PerSecond / channel;
                Console.WriteLine($"- throughput, {Label(ring.Kind)}, {payload}: {ratio:F2}× Channel ({(ratio >= 5 ? "meets" : "misses")} ≥ 5×)");
            }
        }
        foreach (LatencyRow row in latency.Where(r => r.Mode.StartsWith("paced", StringComparison.Ordinal) && r.Kind is HandOff.RingBusySpin or HandOff.RingYielding))
        {
            long p99 = row.Histogram.GetValueAtPercentile(99);
            Console.WriteLine($"- {row.Mode} p99, {Label(row.Kind)}, {row.Payload}: {Micros(p99)} µs ({(p99 < 1000 ? "meets" : "misses")} < 1 µs)");
        }
        Console.WriteLine();
    }

    private static string LoadAverage()
    {
        try
        {
            string[] parts = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
            return parts.Length >= 3 ? $", load average {parts[0]} (1 min) / {parts[1]} (5 min)" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Label(HandOff kind) => kind switch
    {
        HandOff.RingBusySpin => "ring (busy-spin)",
        HandOff.RingYielding => "ring (yielding)",
        HandOff.Channel => "Channel (bounded, SR/SW)",
        HandOff.BlockingCollection => "BlockingCollection",
        _ => kind.ToString(),
    };

    private static string Micros(long nanos) => (nanos / 1000.0).ToString(nanos < 10_000 ? "F3" : "F1", CultureInfo.InvariantCulture);

    private sealed record ThroughputRow(HandOff Kind, string Payload, long Events, double Seconds)
    {
        public double PerSecond => Events / Seconds;
    }

    private sealed record LatencyRow(HandOff Kind, string Payload, string Mode, LongHistogram Histogram);
}
