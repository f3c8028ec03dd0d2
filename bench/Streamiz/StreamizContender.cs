using Attribution.Bench.Engine;
using Attribution.Bench.Kafka;
using Attribution.Bench.Reporting;
using Attribution.Testing.Kafka;
using HdrHistogram;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// Streamiz (Kafka Streams for .NET) as a contender of `bench kafka`: the attribution job in Streamiz with its users'
/// defaults (<see cref="StreamizRun.Settings"/>) over the same keyed backlog topic the engine pipeline drains, on the same
/// embedded broker in the same process; its output compared with the engine's (count and JSON by conversion id), then a
/// paced run at a fraction of its own peak for end-to-end latency.
/// </summary>
internal sealed class StreamizContender
{
    private const string WarmInput = "sz-warm-in";
    private const string WarmOutput = "sz-warm-out";
    private const string Output = "sz-out";
    private const string LatencyInput = "sz-lat-in";
    private const string LatencyOutput = "sz-lat-out";
    private const double TargetRatio = 2;

    private readonly EmbeddedKafkaCluster _cluster;
    private readonly KafkaBenchOptions _o;

    /// <summary>Creates the contender's topics (its changelog topics are created per run).</summary>
    public StreamizContender(EmbeddedKafkaCluster cluster, KafkaBenchOptions o)
    {
        _cluster = cluster;
        _o = o;
        foreach (string t in new[] { WarmInput, WarmOutput, Output, LatencyInput, LatencyOutput })
        {
            cluster.CreateTopic(t, o.Partitions);
        }
    }

    /// <summary>The drained backlog (null until <see cref="Measure"/>).</summary>
    public StreamizPhase? Throughput { get; private set; }

    /// <summary>Its output against the engine's (null until <see cref="Measure"/>).</summary>
    public OutputComparison? Same { get; private set; }

    /// <summary>The paced run (null until <see cref="MeasureLatency"/>).</summary>
    public StreamizPaced? Latency { get; private set; }

    /// <summary>The paced run's offered rate.</summary>
    public double Rate { get; private set; }

    /// <summary>Whether its output equals the engine's.</summary>
    public bool OutputsEqual => Same is { Equal: true };

    /// <summary>A short backlog of its own through the job, not measured (the JIT tiers its hot paths, RocksDB's native library loads).</summary>
    public void Warm(LineStore lines, int events)
    {
        BenchProgress.Step($"warm-up: {events:N0} events through Streamiz (not measured)");
        KafkaLoad.Backlog(_cluster.BootstrapServers, WarmInput, lines, events);
        StreamizRun.Run(_cluster, "warm", WarmInput, WarmOutput, _o.Partitions, events, changelog: true, commitMs: null);
    }

    /// <summary>Drains the <paramref name="events"/>-record backlog in <paramref name="input"/>, then compares the output with the engine's <paramref name="engineOutput"/>.</summary>
    public void Measure(string input, int events, string engineOutput, string chart)
    {
        BenchProgress.Step($"Streamiz: {events:N0}-event backlog ({input})");
        Throughput = StreamizRun.Run(_cluster, "run", input, Output, _o.Partitions, events, changelog: true, commitMs: null, seriesLabel: "Streamiz (exactly-once, RocksDB)");
        BenchReport.AddThroughput(chart, Throughput.Series!);
        BenchProgress.Done($"Streamiz: {Throughput.PerSecond:N0} events/s");
        BenchProgress.Step($"comparing Streamiz's output with the engine's ({engineOutput})");
        Same = OutputComparison.Of(_cluster.BootstrapServers, engineOutput, Output, _o.Partitions);
        BenchProgress.Done(Same.Equal ? $"the same {Same.Counts.Ours:N0} attributions" : $"outputs differ: engine {Same.Counts.Ours:N0}, Streamiz {Same.Counts.Theirs:N0}");
    }

    /// <summary>The paced run at <see cref="KafkaBenchOptions.Load"/> of its measured peak.</summary>
    public void MeasureLatency(LineStore lines, string chart)
    {
        Rate = Throughput!.PerSecond * _o.Load;
        BenchProgress.Step($"Streamiz paced at {Rate:N0}/s");
        Latency = StreamizRun.RunPaced(_cluster, "lat", LatencyInput, LatencyOutput, _o.Partitions, lines, Rate, _o.LatencySeconds, changelog: true, commitMs: null);
        if (Latency.Readable.TotalCount > 0 && Latency.Committed.TotalCount > 0)
        {
            BenchReport.AddLatency(chart, $"Streamiz at {Rate:N0}/s (output readable)", Latency.Readable);
            BenchReport.AddLatency(chart, $"Streamiz at {Rate:N0}/s (transaction committed)", Latency.Committed);
        }
    }

    /// <summary>Its row in the throughput table (columns of the suite's table).</summary>
    public void PrintThroughputRow(double naivePerSecond, double naiveSecondHalf)
    {
        StreamizPhase s = Throughput!;
        Console.WriteLine($"| Streamiz {StreamizVersion} (KStream → transformer with 2 RocksDB stores → To, EXACTLY_ONCE; same backlog topic) | {s.Events:N0} | {s.Seconds:F2} | " +
                          $"{s.PerSecond:N0} | {s.PerSecond / naivePerSecond:F2}× | {s.SecondHalfPerSecond:N0} | {s.SecondHalfPerSecond / naiveSecondHalf:F2}× | " +
                          $"{s.Attributed:N0} attributions; first record processed → output offsets still after its last commit; load avg {s.Load} |");
    }

    /// <summary>The sentences under the throughput table: settings, the engine against it, the output check.</summary>
    public void PrintNotes(EnginePhase engine)
    {
        StreamizPhase s = Throughput!;
        OutputComparison same = Same!;
        Console.WriteLine($"**Streamiz** ({StreamizVersion}): the engine pipeline (trust) drained the same backlog **{engine.PerSecond / s.PerSecond:F2}×** as fast " +
                          $"({engine.PerSecond:N0} vs {s.PerSecond:N0} events/s; second half {engine.SecondHalfPerSecond / s.SecondHalfPerSecond:F2}×). " +
                          $"Streamiz's last record was processed at {s.ProcessedSeconds:F2} s, its state then {s.FinalState}; {s.Duplicates:N0} duplicate conversions dropped, {s.Invalid:N0} invalid; " +
                          $"its changelog topics hold {s.ChangelogOffsets:N0} offsets, its output topic {s.OutputOffsets:N0} for {s.Attributed:N0} records (the rest are transaction markers).");
        Console.WriteLine();
        Console.WriteLine($"Streamiz settings that ran: {StreamizRun.Settings(changelog: true, commitMs: null)}.");
        Console.WriteLine();
        Console.WriteLine($"Outputs (read_committed, by conversion id): engine pipeline (trust) {same.Counts.Ours:N0}, Streamiz {same.Counts.Theirs:N0} — " +
                          (same.Equal ? "**the same attributions, byte for byte.**"
                              : $"**CHECK FAILED: they differ**: only the engine's {same.Differences.OursOnly:N0}, only Streamiz's {same.Differences.TheirsOnly:N0}, " +
                                $"different JSON {same.Differences.Different:N0}, ids repeated {same.Differences.Repeated:N0}; e.g. {same.Example}"));
        Console.WriteLine();
        if (!same.Equal)
        {
            Console.Error.WriteLine("bench kafka: the Streamiz job's output differs from the engine pipeline's.");
        }
    }

    /// <summary>Its rows in the latency table.</summary>
    public void PrintLatencyRows(Action<string, double, double, long, LongHistogram> row)
    {
        StreamizPaced l = Latency!;
        if (l.Readable.TotalCount == 0 || l.Committed.TotalCount == 0)
        {
            // Percentiles of an empty histogram throw; a paced run this short may attribute nothing.
            Console.WriteLine($"| Streamiz: no attribution {(l.Readable.TotalCount == 0 ? "read" : "timed as committed")} (load avg {l.Load}) | {Rate:N0} | {l.AchievedRate:N0} | {l.Events:N0} | {l.Readable.TotalCount:N0} | | | | | |");
            return;
        }
        row($"Streamiz, output readable (load avg {l.Load})", Rate, l.AchievedRate, l.Events, l.Readable);
        row("Streamiz, transaction committed (its producer's commits, timed)", Rate, l.AchievedRate, l.Events, l.Committed);
    }

    /// <summary>The sentence under the latency table: whether Streamiz kept up with its paced input.</summary>
    public void PrintLatencyNotes()
    {
        StreamizPaced l = Latency!;
        Console.WriteLine($"Streamiz at {Rate:N0}/s ({_o.Load:P0} of its backlog rate, same settings): its first record was processed {l.FirstSeconds:F2} s after the paced producer started; " +
                          $"when the producer finished, {l.BehindWhenProduced:N0} of {l.Events:N0} records were not yet processed, all were {l.CatchUpSeconds:F2} s later. " +
                          "Its producer's commits are timed by a pass-through wrapper of its own client supplier (records unchanged), as the engine's pipeline times its own.");
        Console.WriteLine();
    }

    /// <summary>The target line: the engine ≥ 2× Streamiz in this run.</summary>
    public void PrintTarget(EnginePhase engine)
    {
        double ratio = engine.PerSecond / Throughput!.PerSecond;
        Console.WriteLine($"- ratio to Streamiz {ratio:F2}× (second half {engine.SecondHalfPerSecond / Throughput.SecondHalfPerSecond:F2}×), target ≥ {TargetRatio}×: " +
                          $"{(ratio >= TargetRatio ? "**met**" : "**missed**")}; outputs {(OutputsEqual ? "equal" : "**differ**")}");
    }

    private static string StreamizVersion => typeof(global::Streamiz.Kafka.Net.KafkaStream).Assembly.GetName().Version?.ToString(3) ?? "?";
}
