using System.Diagnostics;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.State.Faster;
using Attribution.Bench.Reporting;

namespace Attribution.Bench.Engine;

/// <summary>
/// Drives a fresh <see cref="AttributionEngine"/> from the calling thread (the one producer) over the
/// pre-rendered lines. Timing runs from the first Submit to the return of Flush, i.e. until every
/// attribution has been delivered; opening the engine (FASTER files) is not timed.
/// </summary>
internal static class EngineRunner
{
    private static long _submitted;

    /// <summary>Paced runs: an output this late after its intended send time is in a late stretch (the latency target, 1 ms).</summary>
    public const long LateNanos = 1_000_000;

    /// <summary>Events submitted by the current run so far (updated every 4,096 events, for the throughput-over-time plot).</summary>
    public static long Submitted => Volatile.Read(ref _submitted);

    /// <summary>Submits <paramref name="events"/> lines as fast as the ring accepts them.</summary>
    public static EngineRunResult Saturated(EngineOptions options, LineStore lines, int events)
    {
        Volatile.Write(ref _submitted, 0);
        var output = new TallyingOutput(options.Shards);
        using var engine = new AttributionEngine(options, output);
        long heap = Settle();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        (int, int, int) gcs = Collections();
        long start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _submitted, 0);
        for (int i = 0; i < events; i++)
        {
            if (engine.Submit(lines[i], position: i) != RejectReason.None)
            {
                throw Rejected(lines, i);
            }
            if ((i & 4095) == 4095)
            {
                Volatile.Write(ref _submitted, i + 1);
            }
        }
        engine.Flush();
        Volatile.Write(ref _submitted, events);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        (int, int, int) collections = Since(gcs);
        return Finish(engine, output, events, seconds, allocated, Settle() - heap, collections);
    }

    /// <summary>
    /// Submits event i at its intended time start + i / <paramref name="rate"/> or later, so a stall anywhere shows up as
    /// latency of every event meant to be sent during it. With <paramref name="handOverTicks"/> &gt; 0 the producer hands
    /// over what is due that often and sleeps between (as a consumer hands over fetched batches); with 0 it waits for
    /// each event's time with Thread.Yield.
    /// </summary>
    public static EngineRunResult Paced(EngineOptions options, LineStore lines, int events, double rate, long handOverTicks)
    {
        double ticksPerEvent = Stopwatch.Frequency / rate;
        var output = new TallyingOutput(options.Shards, ticksPerEvent, events);
        using (var engine = new AttributionEngine(options, output))
        {
            long heap = Settle();
            // The schedule starts 10 ms from now, once the engine is open and the heap settled.
            long start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
            output.Schedule(start);
            Volatile.Write(ref _submitted, 0);
            var otherCpu = OtherProcessesCpu.Start();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            (int, int, int) gcs = Collections();
            SubmitPaced(engine, lines, events, start, ticksPerEvent, handOverTicks);
            engine.Flush();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            (int, int, int) collections = Since(gcs);
            return Finish(engine, output, events, seconds, allocated, Settle() - heap, collections) with
            {
                OfferedRate = rate,
                IntendedLatency = output.IntendedLatency(),
                SubmitLatency = output.SubmitLatency(),
                LateStretches = output.LateStretches(LateNanos, 5_000_000),
                OtherCpu = otherCpu.Top(3),
            };
        }
    }

    // Fully optimised when first compiled: called once per paced run, this loop would otherwise run as tier-0 code and be
    // replaced mid-run (on-stack replacement, then the tiered JIT's background compiles), which showed as late stretches.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void SubmitPaced(AttributionEngine engine, LineStore lines, int events, long start, double ticksPerEvent, long handOverTicks)
    {
        for (int i = 0; i < events; i++)
        {
            long due = start + (long)(i * ticksPerEvent);
            if (handOverTicks > 0 && Stopwatch.GetTimestamp() < due)
            {
                // Nothing is due: sleep until this event and those of the next hand-over interval are. Three threads
                // (this one and two shards) on two cores left no core idle when all three yield-waited, and the
                // scheduler then ran a shard only every few milliseconds (p99 4.3-6.8 ms, bench/RESULTS.md).
                ShortSleep.Until(due + handOverTicks);
            }
            while (Stopwatch.GetTimestamp() < due)
            {
                // Only with no hand-over (the sleep above returns after `due`): a wait per event, a yield rather than
                // a spin, which would take a shard's core. Lateness it causes counts as latency, measured from `due`.
                Thread.Yield();
            }
            if (engine.Submit(lines[i], position: i) != RejectReason.None)
            {
                throw Rejected(lines, i);
            }
            if ((i & 4095) == 4095)
            {
                Volatile.Write(ref _submitted, i + 1);
            }
        }
    }

    private static EngineRunResult Finish(AttributionEngine engine, TallyingOutput output, int events, double seconds, long allocated, long retained, (int, int, int) gcs)
    {
        if (engine.FaultCount != 0)
        {
            throw new InvalidOperationException($"The engine reported {engine.FaultCount} handler faults: " +
                                                string.Join("; ", engine.RecentFaults().Select(f => f.ToString())));
        }
        AttributionCounters counters = engine.GetCounters();
        OutputTally total = output.Total();
        if (total.LineFeeds != total.Count || total.Count != counters.Outcome(AttributionOutcome.Attributed))
        {
            throw new InvalidOperationException($"The engine counted {counters.Outcome(AttributionOutcome.Attributed):N0} attributions " +
                                                $"but delivered {total.Count:N0} entries in {total.LineFeeds:N0} lines.");
        }
        return new EngineRunResult(engine.Options.Shards, events, seconds, allocated, retained, gcs, total, counters, engine.StateCounts(), DescribeState(engine));
    }

    /// <summary>Per shard: log size and how much of it FASTER had to move to disk (the run is meant to stay in memory).</summary>
    private static string DescribeState(AttributionEngine engine)
    {
        var parts = new List<string>();
        foreach (ShardStateStats shard in engine.ShardStats())
        {
            FasterStateTableStats clicks = shard.Clicks;
            FasterStateTableStats ids = shard.Conversions;
            parts.Add($"shard {shard.Index}: {clicks.Count:N0} click keys, log {Mib(clicks.LogBytes)} MiB " +
                      $"({Mib(Math.Max(0, clicks.LogHeadAddress - clicks.LogBeginAddress))} MiB below the memory head), " +
                      $"{ids.Count:N0} conversion ids, log {Mib(ids.LogBytes)} MiB ({Mib(Math.Max(0, ids.LogHeadAddress - ids.LogBeginAddress))} MiB below head), " +
                      $"{shard.Sweeps} sweeps removed {shard.Expired:N0}");
        }
        return string.Join("; ", parts);
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);

    private static InvalidOperationException Rejected(LineStore lines, int i)
        => new($"The engine rejected generated line {i}: {System.Text.Encoding.UTF8.GetString(lines[i])}");

    /// <summary>
    /// Collects everything collectable and returns the live heap size. Before a timed run, so one run's
    /// garbage is not another's pause; after it, to tell state the run kept from garbage it made.
    /// </summary>
    public static long Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    public static (int, int, int) Collections() => (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public static (int, int, int) Since((int G0, int G1, int G2) before)
        => (GC.CollectionCount(0) - before.G0, GC.CollectionCount(1) - before.G1, GC.CollectionCount(2) - before.G2);
}
