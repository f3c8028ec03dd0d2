using System.CommandLine;
using Attribution.Bench.Engine;
using Attribution.Bench.Kafka;
using Attribution.Bench.Reporting;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// `dotnet run -c Release --project bench -- streamiz [options]`: the attribution job written in Streamiz (Kafka
/// Streams for .NET) as its users would, against the host's exactly-once <see cref="KafkaPipeline"/>, on the embedded
/// broker over the same backlog keyed by user id; throughput of each, and their outputs compared by conversion id.
/// Takes the Kafka suite's flags (--events, --partitions, --commit-ms for our pipeline, --seed, ...). `bench kafka` runs
/// Streamiz too, beside the naive job and every engine row (<see cref="StreamizContender"/>); this suite is the quicker
/// check of the two alone, with knobs to explore Streamiz's settings (changelog off, another commit interval) and a paced run.
/// </summary>
public sealed class StreamizBenchSuite : IBenchSuite
{
    private static readonly Option<string?> ChangelogFlag = BenchFlags.Choice("--changelog", "the Streamiz stores' changelog topics (default on: created up front, as the broker has no admin API)", "on", "off");
    private static readonly Option<long?> StreamizCommitFlag = BenchFlags.Whole("--streamiz-commit-ms", "Streamiz's commit.interval.ms (default: not set, Streamiz's exactly-once default of 100)", new(1, 60_000));

    /// <inheritdoc />
    public string Name => "streamiz";

    /// <inheritdoc />
    public string Description => "the attribution job in Streamiz (exactly-once, RocksDB stores) vs the engine pipeline on the embedded broker: throughput and output compared";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => [.. KafkaBenchOptions.Flags, ChangelogFlag, StreamizCommitFlag];

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        KafkaBenchOptions o;
        try
        {
            o = KafkaBenchOptions.From(flags);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"bench streamiz: {ex.Message}");
            return 2;
        }
        bool changelog = flags.GetValue(ChangelogFlag) != "off";
        int? streamizCommitMs = (int?)flags.GetValue(StreamizCommitFlag);
        Console.WriteLine("## Streamiz (Kafka Streams for .NET) vs the engine pipeline, embedded broker");
        Console.WriteLine();
        BenchProgress.Step($"generating {o.Events:N0} events");
        Workload workload = WorkloadGenerator.Generate(o.Events, o.Users, o.Campaigns, o.Seed);
        Console.WriteLine($"Workload: {workload.Describe()}. Kafka key = user_id (murmur2), {o.Partitions} partitions.");
        Console.WriteLine();

        using var cluster = new EmbeddedKafkaCluster(1);
        cluster.SetGroupInitialRebalanceDelay(0);
        const string input = "sz-in";
        const string warmInput = "sz-warm-in";
        foreach (string t in new[] { input, warmInput, "sz-out", "sz-warm-out", "sz-lat-in", "sz-lat-out" })
        {
            cluster.CreateTopic(t, o.Partitions);
        }
        string bootstrap = cluster.BootstrapServers;
        BenchProgress.Step($"producing the backlog ({o.Events:N0} events)");
        KafkaLoad.Backlog(bootstrap, input, workload.Lines, o.Events);
        int warmEvents = Math.Min(o.Events / 4, 50_000);
        KafkaLoad.Backlog(bootstrap, warmInput, workload.Lines, warmEvents);
        long trimmed = KafkaEngineRun.Trimmed(bootstrap, input, o.Partitions);

        // Warm-up, not measured: the JIT tiers both jobs' hot paths in this process first.
        BenchProgress.Step($"warm-up: {warmEvents:N0} events through each job (not measured)");
        StreamizRun.Run(cluster, "warm", warmInput, "sz-warm-out", o.Partitions, warmEvents, changelog, streamizCommitMs);
        KafkaEngineRun.Run(cluster, "warm-trust", warmInput, o, InputKeying.Trust, warmEvents).Series!.Dispose();

        BenchProgress.Step($"Streamiz: {o.Events:N0}-event backlog");
        StreamizPhase streamiz = StreamizRun.Run(cluster, "run", input, "sz-out", o.Partitions, o.Events, changelog, streamizCommitMs);
        BenchProgress.Done($"Streamiz: {streamiz.PerSecond:N0} events/s");
        BenchProgress.Step($"engine pipeline: {o.Events:N0}-event backlog");
        EnginePhase engine = KafkaEngineRun.Run(cluster, "trust", input, o, InputKeying.Trust, o.Events);
        engine.Series!.Dispose();
        BenchProgress.Done($"engine pipeline: {engine.PerSecond:N0} events/s");
        BenchProgress.Step("comparing the outputs");
        OutputComparison same = OutputComparison.Of(bootstrap, "trust-out", "sz-out", o.Partitions);
        double rate = streamiz.PerSecond * o.Load;
        BenchProgress.Step($"Streamiz paced at {rate:N0}/s");
        StreamizPaced paced = StreamizRun.RunPaced(cluster, "lat", "sz-lat-in", "sz-lat-out", o.Partitions, workload.Lines, rate, o.LatencySeconds, changelog, streamizCommitMs);

        Console.WriteLine("### Throughput: backlog in Kafka, drained Kafka to Kafka (2 cores shared by the job, the broker and librdkafka's threads)");
        Console.WriteLine();
        Console.WriteLine("| contender | events | seconds | events/s | vs Streamiz | second half events/s | vs Streamiz | attributions | notes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        Console.WriteLine($"| engine pipeline (KafkaPipeline, exactly-once, input_keying=trust, {o.Shards} shard(s), transactions every {o.CommitMs} ms) | {engine.Events:N0} | {engine.Seconds:F2} | " +
                          $"**{engine.PerSecond:N0}** | **{engine.PerSecond / streamiz.PerSecond:F2}×** | {engine.SecondHalfPerSecond:N0} | {engine.SecondHalfPerSecond / streamiz.SecondHalfPerSecond:F2}× | {engine.Produced:N0} | first record consumed → every offset committed |");
        Console.WriteLine($"| Streamiz {typeof(global::Streamiz.Kafka.Net.KafkaStream).Assembly.GetName().Version} (KStream → transformer with 2 RocksDB stores → To) | {streamiz.Events:N0} | {streamiz.Seconds:F2} | " +
                          $"{streamiz.PerSecond:N0} | 1.00× | {streamiz.SecondHalfPerSecond:N0} | 1.00× | {streamiz.Attributed:N0} | first record processed → output offsets still after its last commit (last record processed at {streamiz.ProcessedSeconds:F2} s); {streamiz.Duplicates:N0} duplicates dropped, {streamiz.Invalid:N0} invalid |");
        Console.WriteLine();
        Console.WriteLine($"Streamiz settings: {StreamizRun.Settings(changelog, streamizCommitMs)}; state when drained: {streamiz.FinalState}. " +
                          $"Its changelog topics hold {streamiz.ChangelogOffsets:N0} offsets; its output topic {streamiz.OutputOffsets:N0} offsets for {streamiz.Attributed:N0} records " +
                          "(the rest are transaction markers: it ran transactions).");
        Console.WriteLine();
        Console.WriteLine($"Outputs (read_committed, by conversion id): engine {same.Counts.Ours:N0}, Streamiz {same.Counts.Theirs:N0} — " +
                          (same.Equal ? "**the same attributions, byte for byte.**"
                              : $"**they differ**: only ours {same.Differences.OursOnly:N0}, only Streamiz's {same.Differences.TheirsOnly:N0}, different JSON {same.Differences.Different:N0}, " +
                                $"ids repeated {same.Differences.Repeated:N0}; e.g. {same.Example}"));
        Console.WriteLine();
        Console.WriteLine($"Streamiz paced at {rate:N0}/s ({o.Load:P0} of its backlog rate) for {o.LatencySeconds} s, intended produce time → (p50 / p99 / p99.9 / max ms): " +
                          $"readable {Percentiles(paced.Readable)}, its transaction committed {Percentiles(paced.Committed)}; {paced.Attributed:N0} attributions; " +
                          $"first record processed {paced.FirstSeconds:F2} s after the producer started, {paced.BehindWhenProduced:N0} of {paced.Events:N0} records not yet processed " +
                          $"when it finished, all {paced.CatchUpSeconds:F2} s later (load avg {paced.Load}).");
        Console.WriteLine();
        if (trimmed > 0)
        {
            Console.WriteLine($"**Warning**: the embedded broker trimmed {trimmed:N0} records of the backlog (5 MiB per partition); use more --partitions or fewer --events.");
            Console.WriteLine();
        }
        return same.Equal ? 0 : 1;
    }

    private static string Percentiles(HdrHistogram.LongHistogram h)
        => h.TotalCount == 0 ? "none recorded" : string.Join(" / ", new[] { 50, 99, 99.9, 100 }.Select(p => (h.GetValueAtPercentile(p) / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
}
