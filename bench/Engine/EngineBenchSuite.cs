using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Attribution.Bench.Baseline;
using Attribution.Engine.Attribution;
using BenchmarkDotNet.Running;
using Attribution.Bench.Reporting;
using Attribution.Bench.State;
using HdrHistogram;

namespace Attribution.Bench.Engine;

/// <summary>
/// `dotnet run -c Release --project bench -- engine [options]`: the whole engine (JSON lines in, ring,
/// N shards over FASTER, JSON attributions out) against a conventional single-threaded
/// <see cref="NaiveAttributor"/> on the same generated workload, in one run: throughput for 1, 2 and
/// N shards, allocated bytes per event, latency at a fraction of the measured peak (coordinated-omission
/// corrected), and the parse-only limits. `engine --bdn [BenchmarkDotNet args]` runs the per-event
/// micro-benchmark (<see cref="EnginePathBenchmarks"/>) instead.
/// </summary>
public sealed class EngineBenchSuite : IBenchSuite
{
    // Issue 16's targets (Stage 8): ≥ 1.5M events/s with 2 shards (goal 2M), ≥ 5× the baseline, ≥ 0.9× the decode-only
    // limit, paced p99 ≤ 1 ms at half of peak.
    private const double TargetPerSecond = 1_500_000;
    private const double GoalPerSecond = 2_000_000;
    private const double TargetRatio = 5;
    private const double TargetDecodeShare = 0.9;
    private const long TargetP99Nanos = 1_000_000;

    /// <inheritdoc />
    public string Name => "engine";

    /// <inheritdoc />
    public string Description => "end to end: engine (1/2/N shards) vs a JsonSerializer+Dictionary baseline, B/event, paced latency (--bdn: per-event ns and B/op)";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => EngineBenchOptions.Flags;

    /// <inheritdoc />
    public int? RunBenchmarkDotNet(string[] args)
    {
        BenchmarkSwitcher.FromTypes([typeof(EnginePathBenchmarks)]).Run(args);
        return 0;
    }

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        EngineBenchOptions o = EngineBenchOptions.From(flags);
        long needed = (long)o.Events * WorkloadGenerator.MaxLineBytes / 2;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (needed > available / 4)
        {
            Console.Error.WriteLine($"engine: {o.Events:N0} events need about {needed >> 20:N0} MiB of input lines, more than a quarter of the " +
                                    $"{available >> 20:N0} MiB available (the baseline's and the engine's state come on top); use fewer --events.");
            return 2;
        }

        Console.WriteLine("## Engine end-to-end benchmark");
        Console.WriteLine();
        Console.WriteLine(MachineDescription.Describe() + ".");
        Console.WriteLine();

        long generating = Stopwatch.GetTimestamp();
        Workload workload = WorkloadGenerator.Generate(o.Events, o.Users, o.Campaigns, o.Seed);
        Console.Error.WriteLine($"  generated {workload.Count:N0} lines in {Stopwatch.GetElapsedTime(generating).TotalSeconds:F1} s (not measured)");
        Console.WriteLine($"Workload ({WorkloadGenerator.ClickShare:P0} clicks, half with a metadata object; ids are 36-character UUID-like strings; " +
                          $"re-run with `--seed {o.Seed} --events {o.Events} --users {o.Users} --campaigns {o.Campaigns}`): {workload.Describe()}.");
        Console.WriteLine();
        Console.WriteLine($"Engine settings: ring {o.RingSize:N0} slots, {o.Wait} wait, per shard {o.ClickMemoryBytes >> 20} MiB click log memory / " +
                          $"{o.ConversionMemoryBytes >> 20} MiB conversion-id log memory, {o.IndexBuckets:N0} index buckets per table, " +
                          $"P = {new AttributionConfig().Partitions} partitions by hash(user_id), 24 h window + 1 h lateness, click history 4.");
        Console.WriteLine();

        var rows = new List<Row>();
        int maxRecord = new AttributionConfig().MaxRecordBytes;

        ParseLimits.Tokenize(workload.Lines, o.WarmUpEvents, out _);
        double tokenize = ParseLimits.Tokenize(workload.Lines, o.Events, out long tokens);
        rows.Add(new Row("limit: Utf8JsonReader tokenize only (no state, no output)", "1", o.Events, tokenize, null, null, null, $"{tokens:N0} tokens"));
        ParseLimits.Decode(workload.Lines, o.WarmUpEvents, maxRecord, out _);
        double decode = ParseLimits.Decode(workload.Lines, o.Events, maxRecord, out _);
        rows.Add(new Row("limit: JsonEventReader decode only", "1", o.Events, decode, null, null, null, "the engine's producer does this per event"));
        ParseLimits.Decode(workload.Lines, o.WarmUpEvents, maxRecord, out _, exact: true);
        double decodeExact = ParseLimits.Decode(workload.Lines, o.Events, maxRecord, out _, exact: true);
        rows.Add(new Row("limit: JsonEventReader decode only, Utf8JsonReader path alone", "1", o.Events, decodeExact, null, null, null, "without the fast path"));
        ParseLimits.DecodeIntoSlots(workload.Lines, o.WarmUpEvents, maxRecord, o.RingSize, out _);
        double decodeSlots = ParseLimits.DecodeIntoSlots(workload.Lines, o.Events, maxRecord, o.RingSize, out _);
        rows.Add(new Row($"limit: JsonEventReader decode into {o.RingSize:N0} ring-sized records in turn", "1", o.Events, decodeSlots, null, null, null,
            "cold slots, as the producer writes them"));
        Console.Error.WriteLine($"  limits: tokenize {o.Events / tokenize / 1e6:F2} M/s, decode {o.Events / decode / 1e6:F2} M/s " +
                                $"(Utf8JsonReader path alone {o.Events / decodeExact / 1e6:F2} M/s, into {o.RingSize} slots {o.Events / decodeSlots / 1e6:F2} M/s)");

        BenchProgress.Step("limit: state look-ups only (FASTER reads)");
        (double lookups, long keys) = StateLimits.ClickReads(o.Events, (int)Math.Min(o.Events, 1_000_000));
        rows.Add(new Row("limit: FasterStateTable.Read only (no decode, no output)", "1", o.Events, lookups, null, null, null,
            $"{keys:N0} click keys of the engine's size, reads in a scattered order"));
        Console.Error.WriteLine($"  limits: state reads {o.Events / lookups / 1e6:F2} M/s");

        NaiveAttributor? baseline = null;
        Row? baselineRow = null;
        if (!o.SkipBaseline)
        {
            BenchProgress.Step("baseline (JsonSerializer + Dictionary)");
            (baseline, baselineRow) = RunBaseline(workload, o);
            rows.Add(baselineRow);
            Console.Error.WriteLine($"  baseline: {baselineRow.PerSecond / 1e6:F2} M/s, {baseline.Attributed:N0} attributions");
        }

        EngineRunner.Saturated(o.EngineOptions(o.Shards), workload.Lines, o.WarmUpEvents);
        var engineRuns = new List<EngineRunResult>();
        foreach (int shards in o.ShardCounts)
        {
            BenchProgress.Step($"engine, {shards} shard(s)");
            EngineRunResult run;
            using (ThroughputSeries series = ThroughputSeries.Start($"engine, {shards} shard{(shards == 1 ? "" : "s")}", () => EngineRunner.Submitted))
            {
                run = EngineRunner.Saturated(o.EngineOptions(shards), workload.Lines, o.Events);
                BenchReport.AddThroughput("engine end to end, saturated, events/s over time", series);
            }
            engineRuns.Add(run);
            rows.Add(new Row($"engine, {shards} shard{(shards == 1 ? "" : "s")}", $"1 + {shards}", o.Events, run.Seconds, run.AllocatedBytes, run.RetainedBytes, run.Collections,
                $"{run.Output.Count:N0} attributions, {run.Output.Batches:N0} output batches"));
            Console.Error.WriteLine($"  engine {shards} shards: {run.PerSecond / 1e6:F2} M/s, {run.BytesPerEvent:F3} B/event; state: {run.StateNote}");
        }

        int exit = CheckAgreement(engineRuns, baseline);

        EngineRunResult peak = engineRuns.First(r => r.Shards == o.LatencyShards);
        double rate = peak.PerSecond * o.Load;
        // The paced path (the latency histograms, the timeline) has run nowhere before: measured cold, the .NET tiered
        // JIT's background compiler took 2-4 ms slices of the shard's core in the run's first ~120 ms (perf sched,
        // RESULTS.md). A throw-away paced run of PacedWarmUp at the same rate compiles it first, as a long-running host's is.
        int warmUpEvents = (int)Math.Min(Math.Min(o.LatencyEvents, o.Events), Math.Max(1_000, rate * PacedWarmUp.TotalSeconds));
        BenchProgress.Step($"engine paced warm-up, {warmUpEvents:N0} events (not measured)");
        EngineRunner.Paced(o.EngineOptions(o.LatencyShards), workload.Lines, warmUpEvents, rate, o.HandOverTicks);
        BenchProgress.Step($"engine paced at {rate:N0}/s, {o.LatencyShards} shard(s)");
        EngineRunResult paced = EngineRunner.Paced(o.EngineOptions(o.LatencyShards), workload.Lines, Math.Min(o.LatencyEvents, o.Events), rate, o.HandOverTicks);
        BenchReport.AddLatency($"engine end to end at {rate:N0} events/s", "from the intended send time (CO-corrected)", paced.IntendedLatency!);
        BenchReport.AddLatency($"engine end to end at {rate:N0} events/s", "from the actual Submit (hides producer stalls)", paced.SubmitLatency!);
        Console.Error.WriteLine($"  paced {rate:N0}/s, {o.LatencyShards} shards: p99 {Micros(paced.IntendedLatency!.GetValueAtPercentile(99))} µs");

        PrintThroughput(rows, baselineRow);
        PrintOutcomes(engineRuns[0], baseline, workload);
        PrintLatency(paced, o);
        PrintTargets(engineRuns, baselineRow, paced, o.Events / decode);
        return exit;
    }

    private static (NaiveAttributor, Row) RunBaseline(Workload workload, EngineBenchOptions o)
    {
        // Warm-up on a throw-away instance: JsonSerializer's metadata and the JIT, not the measured state.
        var warm = new NaiveAttributor();
        for (int i = 0; i < o.WarmUpEvents; i++)
        {
            warm.Process(workload.Lines[i]);
        }
        var baseline = new NaiveAttributor();
        long heap = EngineRunner.Settle();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        (int, int, int) gcs = EngineRunner.Collections();
        long start = Stopwatch.GetTimestamp();
        long[] done = new long[1];
        using (ThroughputSeries series = ThroughputSeries.Start("baseline (JsonSerializer + Dictionary)", () => Volatile.Read(ref done[0])))
        {
            for (int i = 0; i < o.Events; i++)
            {
                baseline.Process(workload.Lines[i]);
                if ((i & 4095) == 4095)
                {
                    Volatile.Write(ref done[0], i + 1);
                }
            }
            BenchReport.AddThroughput("engine end to end, saturated, events/s over time", series);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        (int, int, int) collections = EngineRunner.Since(gcs);
        long retained = EngineRunner.Settle() - heap;
        if (baseline.Invalid != 0)
        {
            throw new InvalidOperationException($"The baseline found {baseline.Invalid} invalid generated lines.");
        }
        var row = new Row("baseline: NaiveAttributor (JsonSerializer, Dictionary, HashSet)", "1", o.Events, seconds, allocated, retained, collections,
            $"{baseline.Attributed:N0} attributions, {baseline.StoredClicks:N0} (user, campaign) clicks held");
        return (baseline, row);
    }

    /// <summary>Every engine run must deliver the same attributions (same checksum); the baseline must find as many.</summary>
    private static int CheckAgreement(List<EngineRunResult> runs, NaiveAttributor? baseline)
    {
        int exit = 0;
        EngineRunResult first = runs[0];
        foreach (EngineRunResult r in runs)
        {
            if (r.Output.Count != first.Output.Count || r.Output.Checksum != first.Output.Checksum)
            {
                Console.WriteLine($"**MISMATCH**: the engine with {r.Shards} shards delivered {r.Output.Count:N0} attributions (checksum {r.Output.Checksum:x16}), " +
                                  $"with {first.Shards} shard(s) {first.Output.Count:N0} (checksum {first.Output.Checksum:x16}).");
                exit = 1;
            }
        }
        if (baseline is not null)
        {
            bool sameCount = baseline.Attributed == first.Output.Count;
            bool sameBytes = sameCount && baseline.OutputBytes + baseline.Attributed == first.Output.Bytes && baseline.Checksum == first.Output.Checksum;
            Console.WriteLine($"Attributions: engine {first.Output.Count:N0}, baseline {baseline.Attributed:N0} — " +
                              (sameCount ? "same count" : "**COUNTS DIFFER**") +
                              (sameCount ? (sameBytes ? "; the outputs are byte-identical as a multiset (sum of XXH3-64 per output and total bytes agree)."
                                                      : "; the output bytes differ (checksum or length), see the outcome table.") : "."));
            Console.WriteLine();
            if (!sameCount)
            {
                exit = 1;
            }
        }
        return exit;
    }

    private static void PrintThroughput(List<Row> rows, Row? baseline)
    {
        Console.WriteLine("### Throughput (one producer thread submits pre-rendered lines; from the first line to the last output delivered)");
        Console.WriteLine();
        Console.WriteLine("| contender | threads | events | seconds | events/s | vs baseline | allocated B/event | of which garbage B/event | GCs gen0/1/2 | notes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (Row r in rows)
        {
            string ratio = baseline is null ? "n/a" : $"{r.PerSecond / baseline.PerSecond:F2}×";
            string gcs = r.Collections is { } g ? $"{g.Gen0}/{g.Gen1}/{g.Gen2}" : "—";
            Console.WriteLine($"| {r.Name} | {r.Threads} | {r.Events:N0} | {r.Seconds:F3} | {r.PerSecond:N0} | {ratio} | {PerEvent(r.Allocated, r.Events)} | " +
                              $"{PerEvent(r.Allocated - Math.Min(r.Allocated ?? 0, r.Retained ?? 0), r.Events)} | {gcs} | {r.Notes} |");
        }
        Console.WriteLine();
        Console.WriteLine("Threads: the engine's producer (decode into ring slots) plus its shard threads. Allocated bytes are " +
                          "GC.GetTotalAllocatedBytes(precise) over the timed run, all threads, per event; garbage is what of it the run did not keep " +
                          "alive (allocated minus the growth of the live heap after a full collection). What the engine keeps is its state: " +
                          "FASTER allocates log pages as the state grows, until the memory budget is reached.");
        Console.WriteLine();
    }

    private static void PrintOutcomes(EngineRunResult engine, NaiveAttributor? baseline, Workload workload)
    {
        AttributionCounters c = engine.Counters;
        Console.WriteLine("### What happened to the events");
        Console.WriteLine();
        Console.WriteLine("| outcome | engine | baseline |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine($"| clicks | {c.Clicks:N0} | {baseline?.Clicks.ToString("N0", CultureInfo.InvariantCulture) ?? "—"} |");
        Console.WriteLine($"| conversions | {c.Conversions:N0} | {baseline?.Conversions.ToString("N0", CultureInfo.InvariantCulture) ?? "—"} |");
        Console.WriteLine($"| attributed | {c.Outcome(AttributionOutcome.Attributed):N0} | {baseline?.Attributed.ToString("N0", CultureInfo.InvariantCulture) ?? "—"} |");
        Console.WriteLine($"| duplicate conversion (of {workload.DuplicateConversions:N0} re-sent) | {c.Outcome(AttributionOutcome.DuplicateConversion):N0} | {baseline?.Duplicates.ToString("N0", CultureInfo.InvariantCulture) ?? "—"} |");
        long unmatched = c.Outcome(AttributionOutcome.NoClick) + c.Outcome(AttributionOutcome.ClickAfterConversion) + c.Outcome(AttributionOutcome.ClickOutsideWindow);
        Console.WriteLine($"| not attributed (no click {c.Outcome(AttributionOutcome.NoClick):N0}, click outside window {c.Outcome(AttributionOutcome.ClickOutsideWindow):N0}, " +
                          $"click after conversion {c.Outcome(AttributionOutcome.ClickAfterConversion):N0}) | {unmatched:N0} | {baseline?.Unmatched.ToString("N0", CultureInfo.InvariantCulture) ?? "—"} |");
        Console.WriteLine($"| rejected records | {c.Rejected:N0} | {baseline?.Invalid.ToString("N0", CultureInfo.InvariantCulture) ?? "—"} |");
        Console.WriteLine();
        Console.WriteLine($"Engine state after the run ({engine.Shards} shard(s)): {engine.StateNote}.");
        Console.WriteLine();
    }

    private static string PacedProducer(EngineBenchOptions o) => o.HandOverMicros > 0
        ? $"every {o.HandOverMicros} µs it submits what is due and then sleeps (nanosleep), as a consumer hands over fetched batches, leaving the cores to the shards"
        : "waiting for each event's intended send time with Thread.Yield, so it leaves the core to a shard";

    /// <summary>How long the throw-away paced run before the measured one lasts.</summary>
    private static readonly TimeSpan PacedWarmUp = TimeSpan.FromSeconds(0.5);

    private static void PrintLatency(EngineRunResult paced, EngineBenchOptions o)
    {
        Console.WriteLine($"### Latency at {o.Load:P0} of the measured peak ({paced.Shards} shards)");
        Console.WriteLine();
        Console.WriteLine($"{paced.Events:N0} events offered at a constant {paced.OfferedRate:N0} events/s by the producer thread ({PacedProducer(o)}; " +
                          "a late send counts as latency). Only attributed conversions produce output, so latency is measured on those " +
                          $"({paced.IntendedLatency!.TotalCount:N0} of them): from the intended send time (coordinated-omission corrected: a stalled producer " +
                          "counts as latency for every event it should have sent meanwhile) and from the actual Submit call (OutputEntry.IngestTicks), " +
                          "to the moment the output batch reaches the sink. " +
                          $"Before it, a throw-away paced run of {PacedWarmUp.TotalSeconds:F1} s at the same rate on its own engine (not measured) compiled the paced path. " +
                          $"Achieved {paced.PerSecond:N0} events/s, {paced.BytesPerEvent:F3} B/event allocated ({paced.GarbagePerEvent:F3} garbage), GCs {paced.Collections.Gen0}/{paced.Collections.Gen1}/{paced.Collections.Gen2}.");
        Console.WriteLine();
        Console.WriteLine("| measured from | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        PrintLatencyRow("intended send time", paced.IntendedLatency);
        PrintLatencyRow("Submit (IngestTicks)", paced.SubmitLatency!);
        Console.WriteLine();
        PrintLateStretches(paced);
    }

    // Where the tail comes from: when outputs ran late, for how long, how regularly, and what else used the CPU meanwhile.
    private static void PrintLateStretches(EngineRunResult paced)
    {
        List<(long Start, long Length)> late = paced.LateStretches!;
        double runNanos = paced.Seconds * 1e9;
        string others = paced.OtherCpu is { Count: > 0 } cpu
            ? string.Join(", ", cpu.Select(c => $"{c.Name} {c.Millis:N0} ms"))
            : "none measured";
        if (late.Count == 0)
        {
            Console.WriteLine($"No output was delivered more than {EngineRunner.LateNanos / 1_000_000} ms after its intended send time. Other processes' CPU time during the paced run: {others}.");
            Console.WriteLine();
            return;
        }
        var starts = late.Select(l => l.Start).ToList();
        var intervals = starts.Zip(starts.Skip(1), (a, b) => (b - a) / 1e6).Order().ToList();
        string every = intervals.Count > 0 ? $"; median {intervals[intervals.Count / 2]:N0} ms from one start to the next" : "";
        Console.WriteLine($"Late stretches (outputs delivered more than {EngineRunner.LateNanos / 1_000_000} ms after their intended send time; deliveries up to 5 ms apart joined): " +
                          $"{late.Count} in the {paced.Seconds:F2} s run, {late.Sum(l => l.Length) / runNanos:P1} of its time, the longest {late.Max(l => l.Length) / 1e6:F1} ms{every}. " +
                          $"Starts (ms): {string.Join(", ", starts.Take(24).Select(x => (x / 1e6).ToString("F0", CultureInfo.InvariantCulture)))}{(starts.Count > 24 ? ", …" : "")}. " +
                          $"Other processes' CPU time during the paced run (/proc; kernel threads included): {others}.");
        Console.WriteLine();
    }

    private static void PrintLatencyRow(string label, LongHistogram h)
        => Console.WriteLine($"| {label} | {Micros(h.GetValueAtPercentile(50))} | {Micros(h.GetValueAtPercentile(90))} | {Micros(h.GetValueAtPercentile(99))} | " +
                             $"{Micros(h.GetValueAtPercentile(99.9))} | {Micros(h.GetMaxValue())} |");

    private static void PrintTargets(List<EngineRunResult> runs, Row? baseline, EngineRunResult paced, double decodePerSecond)
    {
        Console.WriteLine("### Against the targets");
        Console.WriteLine();
        EngineRunResult? two = runs.FirstOrDefault(r => r.Shards == 2);
        EngineRunResult? one = runs.FirstOrDefault(r => r.Shards == 1);
        if (two is not null)
        {
            Console.WriteLine($"- ≥ {TargetPerSecond:N0} events/s with 2 shards on this {Environment.ProcessorCount}-core machine (goal {GoalPerSecond:N0}): {two.PerSecond:N0} " +
                              $"({Meets(two.PerSecond >= TargetPerSecond)}; goal {Meets(two.PerSecond >= GoalPerSecond)})");
            double share = two.PerSecond / decodePerSecond;
            Console.WriteLine($"- ≥ {TargetDecodeShare:F1}× the single-thread decode-only limit ({decodePerSecond:N0}/s): {share:F2}× with 2 shards ({Meets(share >= TargetDecodeShare)})");
            if (one is not null)
            {
                Console.WriteLine($"- 2 shards against 1: {two.PerSecond / one.PerSecond:F2}× ({two.PerSecond:N0} vs {one.PerSecond:N0} events/s)");
            }
        }
        EngineRunResult best = runs.MaxBy(r => r.PerSecond)!;
        if (baseline is not null)
        {
            double ratio = best.PerSecond / baseline.PerSecond;
            Console.WriteLine($"- ≥ {TargetRatio:F0}× the baseline: {ratio:F2}× with {best.Shards} shard(s) ({Meets(ratio >= TargetRatio)})");
        }
        foreach (EngineRunResult r in runs)
        {
            Console.WriteLine($"- 0 B/event, {r.Shards} shard(s): {r.BytesPerEvent:F3} B/event allocated ({r.AllocatedBytes:N0} B), of which " +
                              $"{r.RetainedPerEvent:F3} B/event kept as state and {r.GarbagePerEvent:F3} B/event garbage " +
                              $"({Meets(r.BytesPerEvent < 0.5)} as allocated, {Meets(r.GarbagePerEvent < 0.5)} as garbage; < 0.5 B/event counts as 0)");
        }
        long p99 = paced.IntendedLatency!.GetValueAtPercentile(99);
        Console.WriteLine($"- p99 ≤ {TargetP99Nanos / 1000:N0} µs at {paced.OfferedRate:N0} events/s ({paced.Shards} shard(s)): {Micros(p99)} µs from the intended send time " +
                          $"({Meets(p99 <= TargetP99Nanos)}); p99.9 {Micros(paced.IntendedLatency.GetValueAtPercentile(99.9))} µs, max {Micros(paced.IntendedLatency.GetMaxValue())} µs");
        Console.WriteLine();
    }

    private static string PerEvent(long? bytes, int events)
        => bytes is { } b ? (b / (double)events).ToString(b < events * 10L ? "F3" : "F0", CultureInfo.InvariantCulture) : "—";

    private static string Meets(bool ok) => ok ? "meets" : "misses";

    private static string Micros(long nanos) => (nanos / 1000.0).ToString(nanos < 10_000 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private sealed record Row(string Name, string Threads, int Events, double Seconds, long? Allocated, long? Retained,
        (int Gen0, int Gen1, int Gen2)? Collections, string Notes)
    {
        public double PerSecond => Events / Seconds;
    }
}
