using System.Globalization;
using Attribution.Bench.Engine;
using Attribution.Bench.Reporting;
using Attribution.Engine.Attribution;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;

namespace Attribution.Bench.Kafka;

/// <summary>
/// What the input's keying costs the host's pipeline, on one backlog size in one process: (a) input keyed by user id
/// with <see cref="InputKeying.Trust"/> (state partition = input partition, the pipeline without a re-key stage),
/// (b) the same input with the default <see cref="InputKeying.Rekey"/> (every record copied into the repartition topic
/// inside the consuming transaction, then read again by the state partitions), (c) mis-keyed input (each record keyed
/// by its sequence number, so a user's events spread over every partition) with <see cref="InputKeying.Rekey"/>.
/// Each runs twice, in the order a b c c b a, so a drift of the shared machine's load weighs on every row alike.
/// </summary>
internal sealed class KeyingComparison
{
    /// <summary>The keyed backlog (shared with the suite's other engine rows).</summary>
    public const string KeyedInput = "eng-in";

    /// <summary>The mis-keyed backlog.</summary>
    public const string MisKeyedInput = "eng-mis-in";

    private const double Tolerance = 0.10;

    private readonly List<EnginePhase> _trust = [];
    private readonly List<EnginePhase> _rekey = [];
    private readonly List<EnginePhase> _misKeyed = [];
    private readonly List<string> _repartitionTopics = [];

    /// <summary>(a): the first run is the suite's "engine pipeline" row.</summary>
    public EnginePhase Trust => _trust[0];

    /// <summary>(b), first run.</summary>
    public EnginePhase Rekey => _rekey[0];

    /// <summary>(c), first run.</summary>
    public EnginePhase MisKeyed => _misKeyed[0];

    /// <summary>Latency runs of (b) and (c) (null until <see cref="MeasureLatency"/>).</summary>
    public EnginePhase? RekeyLatency { get; private set; }

    /// <summary>See <see cref="RekeyLatency"/>.</summary>
    public EnginePhase? MisKeyedLatency { get; private set; }

    /// <summary>The paced rates of (b) and (c).</summary>
    public double RekeyRate { get; private set; }

    /// <summary>See <see cref="RekeyRate"/>.</summary>
    public double MisKeyedRate { get; private set; }

    /// <summary>Whether a keyed row counted a mis-keyed record (the bench's producer and the host's partitioner disagree).</summary>
    public bool PartitionerMismatch => _trust.Concat(_rekey).Any(r => r.MisKeyed != 0) || RekeyLatency is { MisKeyed: not 0 };

    /// <summary>Runs (a), (b), (c) twice each over <paramref name="events"/>-record backlogs already in <see cref="KeyedInput"/> and <see cref="MisKeyedInput"/>.</summary>
    public static KeyingComparison Measure(EmbeddedKafkaCluster cluster, KafkaBenchOptions o, int events)
    {
        var c = new KeyingComparison();
        foreach (int round in new[] { 1, 2 })
        {
            var order = new (string Name, string Input, InputKeying Keying, List<EnginePhase> Into)[]
            {
                ($"trust-{round}", KeyedInput, InputKeying.Trust, c._trust),
                ($"rekey-{round}", KeyedInput, InputKeying.Rekey, c._rekey),
                ($"rekey-miskeyed-{round}", MisKeyedInput, InputKeying.Rekey, c._misKeyed),
            };
            foreach (var (name, input, keying, into) in round == 1 ? order : order.Reverse())
            {
                BenchProgress.Step($"engine pipeline, {name}: {events:N0}-event backlog ({input}, input_keying={keying.ToString().ToLowerInvariant()})");
                EnginePhase run = KafkaEngineRun.Run(cluster, name, input, o, keying, events);
                into.Add(run);
                if (keying == InputKeying.Rekey)
                {
                    c._repartitionTopics.Add($"bench-{name}-by-user-repartition");
                }
                BenchProgress.Done($"engine pipeline, {name}: {run.PerSecond:N0} events/s, {run.MisKeyed:N0} mis-keyed");
            }
        }
        return c;
    }

    /// <summary>Paced runs of (b) and (c) at <see cref="KafkaBenchOptions.Load"/> of each one's mean peak.</summary>
    public void MeasureLatency(EmbeddedKafkaCluster cluster, KafkaBenchOptions o, LineStore lines)
    {
        RekeyRate = Mean(_rekey, r => r.PerSecond) * o.Load;
        BenchProgress.Step($"engine pipeline, re-keying keyed input, paced at {RekeyRate:N0}/s");
        RekeyLatency = KafkaEngineRun.Run(cluster, "lat-rekey", "eng-lat-rekey-in", o, InputKeying.Rekey, 0, (RekeyRate, lines, true));
        MisKeyedRate = Mean(_misKeyed, r => r.PerSecond) * o.Load;
        BenchProgress.Step($"engine pipeline, re-keying mis-keyed input, paced at {MisKeyedRate:N0}/s");
        MisKeyedLatency = KafkaEngineRun.Run(cluster, "lat-rekey-miskeyed", "eng-lat-mis-in", o, InputKeying.Rekey, 0, (MisKeyedRate, lines, false));
    }

    /// <summary>Records the embedded broker dropped from the repartition topics (its 5 MiB per partition).</summary>
    public long Trimmed(string bootstrap, int partitions) => _repartitionTopics.Sum(t => KafkaEngineRun.Trimmed(bootstrap, t, partitions));

    /// <summary>Prints the comparison table and the sentences under it.</summary>
    public void Print(KafkaBenchOptions o)
    {
        double a = Mean(_trust, r => r.PerSecond);
        double aHalf = Mean(_trust, r => r.SecondHalfPerSecond);
        Console.WriteLine("### Cost of the input's keying: the same backlog trusted, re-keyed, and mis-keyed then re-keyed");
        Console.WriteLine();
        Console.WriteLine($"Each row ran twice over the same {Trust.Events:N0}-event backlog size in this process, in the order a b c c b a (the machine is shared; " +
                          "the order spreads a drift of its load over every row). events/s: first input record consumed → every input offset committed " +
                          "(re-keying: and every repartition record consumed by the state partitions and committed).");
        Console.WriteLine();
        Console.WriteLine("| row | input | input_keying | run 1 events/s | run 2 events/s | mean events/s | vs (a) | second half events/s (mean) | vs (a) | attributions | mis-keyed counted | load avg after runs 1 / 2 |");
        Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        Row("(a)", "keyed by user id (murmur2)", "trust (today's pipeline)", _trust, a, aHalf);
        Row("(b)", "keyed by user id (murmur2)", "**rekey (default)**", _rekey, a, aHalf);
        Row("(c)", "mis-keyed (key = sequence number)", "rekey (default)", _misKeyed, a, aHalf);
        Console.WriteLine();
        double b = Mean(_rekey, r => r.PerSecond) / a;
        double c = Mean(_misKeyed, r => r.PerSecond) / a;
        Console.WriteLine($"Re-keying input that is already keyed by user id runs at **{b:P0}** of the pipeline without the re-key stage " +
                          $"({Mean(_rekey, r => r.PerSecond):N0} vs {a:N0} events/s; second half {Mean(_rekey, r => r.SecondHalfPerSecond) / aHalf:P0}): " +
                          (b >= 1 - Tolerance
                              ? $"**within {Tolerance:P0}** of it."
                              : $"**not within {Tolerance:P0}** of it — every record is produced and consumed twice (input → repartition topic → state partitions) " +
                                "on the same 2 cores, inside the same transactions."));
        Console.WriteLine($"Mis-keyed input re-keyed runs at **{c:P0}** of (a) ({Mean(_misKeyed, r => r.PerSecond):N0} events/s); the pipeline counted " +
                          $"{_misKeyed[0].MisKeyed:N0} of {_misKeyed[0].Events:N0} records mis-keyed in its first run " +
                          $"({(double)_misKeyed[0].MisKeyed / Math.Max(1, _misKeyed[0].Events):P1}; a key unrelated to the user lands on the user's partition 1 time in {o.Partitions}).");
        string counts = $"(a) {Trust.Produced:N0}, (b) {_rekey[0].Produced:N0}, (c) {_misKeyed[0].Produced:N0}";
        Console.WriteLine(Trust.Produced == _rekey[0].Produced && Trust.Produced == _misKeyed[0].Produced
            ? $"Attributions from the same backlog: {counts} — the same count."
            : $"Attributions from the same backlog: {counts} — the counts differ. Conversions that found no live click of their (user, campaign): " +
              $"(a) {Outcome(Trust, AttributionOutcome.NoClick)}, (b) {Outcome(_rekey[0], AttributionOutcome.NoClick)}, (c) {Outcome(_misKeyed[0], AttributionOutcome.NoClick)}; " +
              $"only clicks later than the conversion: (a) {Outcome(Trust, AttributionOutcome.ClickAfterConversion)}, (b) {Outcome(_rekey[0], AttributionOutcome.ClickAfterConversion)}, " +
              $"(c) {Outcome(_misKeyed[0], AttributionOutcome.ClickAfterConversion)}. A backlog of mis-keyed input is consumed in chunks per partition (one fetch returns up to 1 MiB of each), so one user's " +
              "events reach the repartition topic in consumption order, not event-time order, and a conversion copied before its click finds no click.");
        if (PartitionerMismatch)
        {
            string line = "**CHECK FAILED: the pipeline counted mis-keyed records in input keyed by user id** — the bench's producer (librdkafka murmur2_random) " +
                          "and the host's input partitioner disagree; rows (a) and (b) do not measure keyed input.";
            Console.WriteLine();
            Console.WriteLine(line);
            Console.Error.WriteLine($"bench kafka: {line}");
        }
        else
        {
            Console.WriteLine("Check: the pipeline counted 0 mis-keyed records in every run over keyed input (the bench's producer and the host's partitioner agree).");
        }
        Console.WriteLine();
    }

    /// <summary>The latency rows of (b) and (c), in the suite's latency table's columns.</summary>
    public void PrintLatencyRows(Action<string, double, double, long, HdrHistogram.LongHistogram> row)
    {
        foreach (var (name, rate, run) in new[] { ("engine pipeline, **rekey**, keyed input", RekeyRate, RekeyLatency!), ("engine pipeline, rekey, mis-keyed input", MisKeyedRate, MisKeyedLatency!) })
        {
            row($"{name}, output readable", rate, run.AchievedRate, run.Events, run.Latency!);
            Console.WriteLine($"| {name}, transaction committed (pipeline's own histogram) | {rate:N0} | {run.AchievedRate:N0} | {run.Events:N0} | {run.CommitCount:N0} | " +
                              $"{run.Commit(50)} | {run.Commit(90)} | {run.Commit(99)} | {run.Commit(99.9)} | {run.Commit(100)} |");
        }
    }

    private static void Row(string id, string input, string keying, List<EnginePhase> runs, double a, double aHalf)
    {
        double mean = Mean(runs, r => r.PerSecond);
        double half = Mean(runs, r => r.SecondHalfPerSecond);
        Console.WriteLine($"| {id} | {input} | {keying} | {runs[0].PerSecond:N0} | {runs[1].PerSecond:N0} | **{mean:N0}** | **{mean / a:F2}×** | {half:N0} | {half / aHalf:F2}× | " +
                          $"{runs[0].Produced:N0} | {string.Join(" / ", runs.Select(r => r.MisKeyed.ToString("N0", CultureInfo.InvariantCulture)))} | " +
                          $"{string.Join(" / ", runs.Select(r => r.Load))} |");
    }

    private static string Outcome(EnginePhase run, AttributionOutcome outcome)
        => run.Outcomes is { } c ? c.Outcome(outcome).ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static double Mean(List<EnginePhase> runs, Func<EnginePhase, double> f) => runs.Average(f);
}
