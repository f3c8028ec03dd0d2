using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Attribution.Bench.Engine;
using Attribution.Bench.Reporting;
using Attribution.Bench.Streamiz;
using Attribution.Engine.Pipeline;
using Attribution.Testing.Kafka;
using Attribution.Host.Run;
using Attribution.Host.Kafka;
using Confluent.Kafka;
using HdrHistogram;

namespace Attribution.Bench.Kafka;

/// <summary>
/// `dotnet run -c Release --project bench -- kafka [options]`: Kafka to Kafka through the embedded
/// Kafka-protocol broker (librdkafka's mock cluster, real TCP, in this process). The exactly-once
/// <see cref="KafkaPipeline"/> against <see cref="NaiveKafkaPipeline"/> in one run: sustained throughput
/// over a preloaded backlog, then end-to-end latency at a constant rate (half of each one's peak)
/// from the intended produce time of the input to the output being readable, plus the limits
/// (produce only, consume only, the engine without Kafka), and what the input's keying costs
/// (<see cref="KeyingComparison"/>: keyed input trusted or re-keyed, mis-keyed input re-keyed), and Streamiz, Kafka
/// Streams for .NET, as the peer on the same backlog (<see cref="StreamizContender"/>).
/// </summary>
public sealed class KafkaBenchSuite : IBenchSuite
{
    private const double TargetPerSecond = 300_000;
    private const double TargetRatio = 3;
    private const long TargetP99Nanos = 50_000_000;

    /// <inheritdoc />
    public string Name => "kafka";

    /// <inheritdoc />
    public string Description => "Kafka to Kafka on the embedded broker: exactly-once pipeline vs a naive consume-one/produce-one job and Streamiz, throughput and end-to-end latency, " +
        "and input keyed by user id trusted vs re-keyed vs mis-keyed input re-keyed";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => KafkaBenchOptions.Flags;

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
            Console.Error.WriteLine($"bench kafka: {ex.Message}");
            return 2;
        }
        Console.WriteLine("## Kafka to Kafka: exactly-once pipeline vs a naive pipeline, embedded broker");
        Console.WriteLine();
        BenchProgress.Step($"generating {o.Events:N0} events");
        Workload workload = WorkloadGenerator.Generate(Math.Max(o.Events, o.NaiveEvents), o.Users, o.Campaigns, o.Seed);
        Console.WriteLine($"Workload (the engine suite's generator; re-run with `--seed {o.Seed} --users {o.Users} --campaigns {o.Campaigns}`): {workload.Describe()}. " +
                          $"Kafka key = user_id (murmur2 partitioner, as Java producers upstream), input batches compressed with {KafkaLoad.Compression.ToString().ToLowerInvariant()}.");
        Console.WriteLine();

        using var cluster = new EmbeddedKafkaCluster(o.Brokers);
        cluster.SetGroupInitialRebalanceDelay(0);
        // The engine runs make their own output, dead-letter and repartition topics (KafkaEngineRun).
        foreach (string t in new[] { "eng-warm-in", KeyingComparison.KeyedInput, KeyingComparison.MisKeyedInput, "eng-lat-in", "eng-lat-rekey-in", "eng-lat-mis-in",
                     "naive-warm-in", "naive-warm-out", "naive-in", "naive-out", "naive-lat-in", "naive-lat-out" })
        {
            cluster.CreateTopic(t, o.Partitions);
        }
        string bootstrap = cluster.BootstrapServers;
        var streamiz = new StreamizContender(cluster, o);
        Console.WriteLine($"Broker: librdkafka's mock cluster in this process ({(o.Brokers == 1 ? "1 broker" : $"{o.Brokers} brokers, partition leaders spread over them, all served by one thread")}, {bootstrap}, TCP), {o.Partitions} partitions per topic. " +
                          $"Engine pipeline: `KafkaPipeline` (the host's `run`), {o.Shards} shard(s), memory_mb {o.MemoryMiB} per table, transactions every {o.CommitMs} ms, read_committed input, " +
                          "outputs and input offsets committed together. Naive pipeline: one thread, Consume → JsonSerializer to classes → Dictionary → Produce per output, auto-commit. " +
                          $"Both, and the consume-only limit, run with the host's consumer defaults (ConsumerDefaults: fetch.queue.backoff.ms={Backoff(o)} instead of librdkafka's 1000), " +
                          "so the ratio measures processing, not the fetcher's one-second stall.");
        Console.WriteLine();

        // ---- limits and backlogs ----
        BenchProgress.Step($"producing the backlogs ({o.Events:N0} keyed + {o.Events:N0} mis-keyed + {o.NaiveEvents:N0} events)");
        double produceSeconds = KafkaLoad.Backlog(bootstrap, KeyingComparison.KeyedInput, workload.Lines, o.Events);
        KafkaLoad.Backlog(bootstrap, KeyingComparison.MisKeyedInput, workload.Lines, o.Events, keyedByUser: false);
        KafkaLoad.Backlog(bootstrap, "naive-in", workload.Lines, o.NaiveEvents);
        int warmEvents = Math.Min(o.Events / 4, 150_000);
        KafkaLoad.Backlog(bootstrap, "eng-warm-in", workload.Lines, warmEvents);
        KafkaLoad.Backlog(bootstrap, "naive-warm-in", workload.Lines, warmEvents / 3);
        long trimmed = new[] { KeyingComparison.KeyedInput, KeyingComparison.MisKeyedInput, "naive-in" }.Sum(t => KafkaEngineRun.Trimmed(bootstrap, t, o.Partitions));
        // ---- throughput ----
        // Warm-up, not measured: one short backlog through each pipeline in this process, so the JIT has tiered
        // the hot paths before the measured runs (a long-running job is measured warm).
        BenchProgress.Step($"warm-up: {warmEvents:N0} events through the engine pipeline (trusted, then re-keyed), {warmEvents / 3:N0} through the naive one (not measured)");
        KafkaEngineRun.Run(cluster, "warm-trust", "eng-warm-in", o, InputKeying.Trust, warmEvents).Series!.Dispose();
        KafkaEngineRun.Run(cluster, "warm-rekey", "eng-warm-in", o, InputKeying.Rekey, warmEvents).Series!.Dispose();
        new NaiveKafkaPipeline(bootstrap, "naive-warm-in", "naive-warm-out", ConsumerDefaults.With(new(o.Properties))).Run(warmEvents / 3, CancellationToken.None);
        streamiz.Warm(workload.Lines, warmEvents / 3);

        BenchProgress.Step("limit: consume only (the host's consumer defaults, librdkafka's, then in batches)");
        double consumeSeconds = ConsumeOnly(bootstrap, KeyingComparison.KeyedInput, o.Partitions, o.Events, ConsumerDefaults.With(new(o.Properties)));
        double consumeStallSeconds = ConsumeOnly(bootstrap, KeyingComparison.KeyedInput, o.Partitions, o.Events, new(o.Properties));
        double consumeBatchSeconds = ConsumeOnly(bootstrap, KeyingComparison.KeyedInput, o.Partitions, o.Events, ConsumerDefaults.With(new(o.Properties)), batch: true);
        BenchProgress.Step("limit: engine without Kafka");
        var engineOptions = new EngineOptions { Shards = o.Shards, ClickMemoryBytes = 512L << 20, ConversionMemoryBytes = 128L << 20 }; // the engine's index size (2^16 buckets): 2^18 measured slower, bench/RESULTS.md
        EngineRunner.Saturated(engineOptions, workload.Lines, Math.Min(o.Events, 200_000)); // warm-up: JIT tiers, not measured
        EngineRunResult engineOnly = EngineRunner.Saturated(engineOptions, workload.Lines, o.Events);

        KeyingComparison keying = KeyingComparison.Measure(cluster, o, o.Events);
        EnginePhase engine = keying.Trust;
        trimmed += keying.Trimmed(bootstrap, o.Partitions);

        BenchProgress.Step($"naive pipeline: {o.NaiveEvents:N0}-event backlog");
        var naive = new NaiveKafkaPipeline(bootstrap, "naive-in", "naive-out", ConsumerDefaults.With(new(o.Properties)));
        double naivePerSecond;
        double naiveSecondHalf;
        using (ThroughputSeries naiveSeries = ThroughputSeries.Start("naive pipeline", () => naive.Consumed))
        {
            naive.Run(o.NaiveEvents, CancellationToken.None);
            naivePerSecond = naive.Consumed / naive.ActiveSeconds;
            naiveSecondHalf = naive.SecondHalfPerSecond(o.NaiveEvents);
            BenchReport.AddThroughput("Kafka to Kafka, backlog (throughput phase)", naiveSeries);
        }
        BenchReport.AddThroughput("Kafka to Kafka, backlog (throughput phase)", engine.Series!);
        BenchReport.AddThroughput("Kafka to Kafka, backlog (throughput phase)", keying.Rekey.Series!);
        BenchReport.AddThroughput("Kafka to Kafka, backlog (throughput phase)", keying.MisKeyed.Series!);
        BenchProgress.Done($"naive pipeline: {naivePerSecond:N0} events/s");
        streamiz.Measure(KeyingComparison.KeyedInput, o.Events, "trust-1-out", "Kafka to Kafka, backlog (throughput phase)");

        // ---- latency at a fraction of each one's peak ----
        double engineRate = o.EngineRate ?? engine.PerSecond * o.Load;
        // Each paced phase lasts --latency-seconds: the backlog's lines alone would end the fastest one early (600,000 events
        // at 300,000/s last 2 s, half of it the warm-up second), so its steady state would be the start-up's tail.
        Workload paced = PacedWorkload(workload, o, engineRate);
        BenchProgress.Step($"engine pipeline paced at {engineRate:N0}/s");
        EnginePhase engineLat = KafkaEngineRun.Run(cluster, "lat-trust", "eng-lat-in", o, InputKeying.Trust, 0, (engineRate, paced.Lines, true));
        keying.MeasureLatency(cluster, o, paced.Lines);
        double naiveRate = naivePerSecond * o.Load;
        BenchProgress.Step($"naive pipeline paced at {naiveRate:N0}/s");
        NaivePaced naiveLat = RunNaivePaced(bootstrap, paced.Lines, o, naiveRate);
        streamiz.MeasureLatency(paced.Lines, "Kafka to Kafka end-to-end, half of each pipeline's peak");

        // ---- report ----
        Console.WriteLine($"### Throughput: backlog in Kafka, drained Kafka to Kafka (2 cores shared by the pipeline, the broker and librdkafka's threads)");
        Console.WriteLine();
        Console.WriteLine("| contender | events | seconds | events/s | vs naive | second half events/s | vs naive | notes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---|");
        Console.WriteLine($"| limit: produce only (one idempotent {KafkaLoad.Compression.ToString().ToLowerInvariant()} producer, no consumer) | {o.Events:N0} | {produceSeconds:F2} | {o.Events / produceSeconds:N0} | {o.Events / produceSeconds / naivePerSecond:F2}× | | | what writing the input costs this machine (cold) |");
        Console.WriteLine($"| limit: consume only (one consumer, no processing, no output) | {o.Events:N0} | {consumeSeconds:F2} | {o.Events / consumeSeconds:N0} | {o.Events / consumeSeconds / naivePerSecond:F2}× | | | the fastest one Confluent.Kafka consumer (Consume per record) reads here, with the host's consumer defaults (fetch.queue.backoff.ms={Backoff(o)}) as the naive job has them |");
        Console.WriteLine($"| limit: consume only in batches (the host's way: rd_kafka_consume_batch_queue, payload read in place), the host's consumer defaults | {o.Events:N0} | {consumeBatchSeconds:F2} | {o.Events / consumeBatchSeconds:N0} | {o.Events / consumeBatchSeconds / naivePerSecond:F2}× | | | the consume ceiling of the engine pipeline |");
        Console.WriteLine($"| limit: consume only, librdkafka's own defaults (fetch.queue.backoff.ms=1000) | {o.Events:N0} | {consumeStallSeconds:F2} | {o.Events / consumeStallSeconds:N0} | {o.Events / consumeStallSeconds / naivePerSecond:F2}× | | | the fetcher stalls 1 s whenever its queue passes queued.min.messages: the old ceiling |");
        Console.WriteLine($"| limit: engine without Kafka ({o.Shards} shard(s), lines from memory) | {o.Events:N0} | {engineOnly.Seconds:F2} | {engineOnly.PerSecond:N0} | {engineOnly.PerSecond / naivePerSecond:F2}× | | | decode + state + output, no broker |");
        Console.WriteLine($"| **engine pipeline** (KafkaPipeline, exactly-once; keyed input, input_keying=trust: run 1 of (a) below) | {engine.Events:N0} | {engine.Seconds:F2} | **{engine.PerSecond:N0}** | **{engine.PerSecond / naivePerSecond:F2}×** | {engine.SecondHalfPerSecond:N0} | {engine.SecondHalfPerSecond / naiveSecondHalf:F2}× | {engine.Produced:N0} attributions in {engine.Commits:N0} transactions; first record consumed → every offset committed |");
        EnginePhase rekey = keying.Rekey;
        Console.WriteLine($"| engine pipeline, default input_keying=rekey (keyed input: run 1 of (b) below) | {rekey.Events:N0} | {rekey.Seconds:F2} | {rekey.PerSecond:N0} | {rekey.PerSecond / naivePerSecond:F2}× | {rekey.SecondHalfPerSecond:N0} | {rekey.SecondHalfPerSecond / naiveSecondHalf:F2}× | {rekey.Produced:N0} attributions in {rekey.Commits:N0} transactions; input copied to the repartition topic and read back |");
        Console.WriteLine($"| naive pipeline (consume one, classes, Dictionary, produce one, auto-commit) | {naive.Consumed:N0} | {naive.ActiveSeconds:F2} | {naivePerSecond:N0} | 1.00× | {naiveSecondHalf:N0} | 1.00× | {naive.Produced:N0} attributions; first record consumed → producer flushed |");
        streamiz.PrintThroughputRow(naivePerSecond, naiveSecondHalf);
        Console.WriteLine();
        Console.WriteLine("Both pipelines ran a short warm-up backlog first in this process (JIT), then the measured backlog. \"Second half\": events/s from the moment " +
                          "half of the backlog was consumed to the end (committed / flushed), the sustained rate once state and caches are warm.");
        Console.WriteLine();
        streamiz.PrintNotes(engine);
        if (o.NaiveEvents == o.Events)
        {
            Console.WriteLine($"Attributions produced from the same backlog: engine pipeline {engine.Produced:N0}, naive pipeline {naive.Produced:N0} — " +
                              (engine.Produced == naive.Produced ? "the same count." : "**the counts differ** (the engine keeps a click history and expires state; see the engine suite)."));
            Console.WriteLine();
        }
        keying.Print(o);
        if (trimmed > 0)
        {
            Console.WriteLine($"**Warning**: the embedded broker trimmed {trimmed:N0} records of the backlogs (5 MiB per partition); use more --partitions or fewer --events.");
            Console.WriteLine();
        }

        Console.WriteLine($"### End-to-end latency at {o.Load:P0} of each pipeline's measured peak (coordinated omission corrected)");
        Console.WriteLine();
        Console.WriteLine("A paced producer offers events at a constant rate and stamps each with its *intended* produce time (event `timestamp`, epoch ms); " +
                          "a read_committed consumer of the output topic records now − `conversion_time` for every attribution, so a stall of the producer, " +
                          "the pipeline or the broker counts for every event meant to be sent during it. The embedded broker keeps no transaction state, " +
                          "so its read_committed readers see transactional records before their commit (re-keying, the state partitions too read the repartition copies " +
                          "before their transaction commits; on a real cluster that hop adds about one transaction cycle): for the engine the table adds the pipeline's own " +
                          "figure, input produce time → the transaction holding the output committed (ms resolution), which is what a reader of a real cluster waits for. " +
                          $"Each contender's reader is connected before its paced producer starts; the conversions meant to be sent in the first {KafkaLoad.WarmUpSeconds} s " +
                          "(the clients' start-up: first fetches, first transaction) are counted apart, in the warm-up rows, and the other rows are the steady state after it. " +
                          "The paced producer sends every event due, then sleeps 1 ms, so its thread does not hold a core between events.");
        Console.WriteLine();
        Console.WriteLine("| pipeline | offered rate | achieved rate | events | attributions read | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        LatencyRow("engine pipeline, trust, keyed input, output readable", engineRate, engineLat.AchievedRate, engineLat.Events, engineLat.Latency!);
        Console.WriteLine($"| engine pipeline, trust, keyed input, transaction committed (pipeline's own histogram) | {engineRate:N0} | {engineLat.AchievedRate:N0} | {engineLat.Events:N0} | {engineLat.CommitCount:N0} | " +
                          $"{engineLat.Commit(50)} | {engineLat.Commit(90)} | {engineLat.Commit(99)} | {engineLat.Commit(99.9)} | {engineLat.Commit(100)} |");
        LatencyRow($"engine pipeline, trust, keyed input, output readable, warm-up (events meant for the first {KafkaLoad.WarmUpSeconds} s)", engineRate, engineLat.AchievedRate, engineLat.Events, engineLat.WarmUpLatency!);
        Console.WriteLine($"| engine pipeline, trust, keyed input, transaction committed, warm-up | {engineRate:N0} | {engineLat.AchievedRate:N0} | {engineLat.Events:N0} | {engineLat.CommitWarmUpCount:N0} | " +
                          $"{engineLat.CommitWarmUp(50)} | {engineLat.CommitWarmUp(90)} | {engineLat.CommitWarmUp(99)} | {engineLat.CommitWarmUp(99.9)} | {engineLat.CommitWarmUp(100)} |");
        keying.PrintLatencyRows(LatencyRow);
        LatencyRow("naive pipeline, output readable", naiveRate, naiveLat.AchievedRate, naiveLat.Events, naiveLat.Latency);
        streamiz.PrintLatencyRows(LatencyRow);
        Console.WriteLine();
        StatusWindow cycles = engineLat.Cycles!.Value;
        Console.WriteLine($"Transaction cycles (configured every {o.CommitMs} ms): {engine.Commits:N0} in {engine.Seconds:F2} s in the throughput phase " +
                          $"(one per {engine.Seconds * 1000 / Math.Max(1, engine.Commits):F0} ms), {engineLat.Commits:N0} in {engineLat.Seconds:F2} s in the paced phase " +
                          $"(one per {engineLat.Seconds * 1000 / Math.Max(1, engineLat.Commits):F0} ms; each took p50 {cycles.CycleP50Micros / 1000.0:F1} ms, " +
                          $"p99 {cycles.CycleP99Micros / 1000.0:F1} ms, max {cycles.CycleMaxMicros / 1000.0:F1} ms: flush, produce the rest, offsets, delivery, commit). An attribution is readable downstream only once its transaction commits.");
        Console.WriteLine();
        Console.WriteLine($"Did each engine pipeline keep up with its paced producer ({o.LatencySeconds} s of input)? {KeptUp("trust", engineRate, engineLat)}; " +
                          $"{KeptUp("rekey, keyed input", keying.RekeyRate, keying.RekeyLatency!)}; {KeptUp("rekey, mis-keyed input", keying.MisKeyedRate, keying.MisKeyedLatency!)}. " +
                          $"(Kept up: every input offset committed within {EnginePhase.KeptUpSeconds} s of the producer's last record. The paced producer is the bench's own, " +
                          "one Confluent.Kafka producer on this machine's cores; when its achieved rate is below the offered one, its own lag counts in the latency.)");
        Console.WriteLine();
        Console.WriteLine($"CPU of this process's threads in the engine's paced phase (trust), by thread name: {engineLat.Cpu}. `rdk:mock` is the embedded broker (one thread serving " +
                          "every client), other `rdk:*` threads are librdkafka's client threads (the paced producer's, the pipeline's consumer and producer, the reader's), " +
                          "the process's own name is the thread running the paced producer.");
        Console.WriteLine();
        streamiz.PrintLatencyNotes();
        BenchReport.AddLatency("Kafka to Kafka end-to-end, half of each pipeline's peak", $"engine pipeline (trust) at {engineRate:N0}/s", engineLat.Latency!);
        BenchReport.AddLatency("Kafka to Kafka end-to-end, half of each pipeline's peak", $"engine pipeline (rekey, keyed input) at {keying.RekeyRate:N0}/s", keying.RekeyLatency!.Latency!);
        BenchReport.AddLatency("Kafka to Kafka end-to-end, half of each pipeline's peak", $"engine pipeline (rekey, mis-keyed input) at {keying.MisKeyedRate:N0}/s", keying.MisKeyedLatency!.Latency!);
        BenchReport.AddLatency("Kafka to Kafka end-to-end, half of each pipeline's peak", $"naive pipeline at {naiveRate:N0}/s", naiveLat.Latency);

        long engineP99 = Math.Max(engineLat.Latency!.TotalCount == 0 ? 0 : engineLat.Latency.GetValueAtPercentile(99), engineLat.Commit(99) * 1_000_000);
        Console.WriteLine($"### Against the targets (≥ {TargetPerSecond:N0} events/s sustained, ≥ {TargetRatio}× the naive pipeline, p99 end-to-end ≤ 50 ms at half of peak)");
        Console.WriteLine();
        Console.WriteLine($"- throughput {engine.PerSecond:N0} events/s over the whole backlog, {engine.SecondHalfPerSecond:N0} over its second half: " +
                          $"{(engine.PerSecond >= TargetPerSecond ? "**met**" : engine.SecondHalfPerSecond >= TargetPerSecond ? "**met over the second half only**" : "**missed**")}");
        Console.WriteLine($"- ratio to the naive pipeline {engine.PerSecond / naivePerSecond:F2}× (second half {engine.SecondHalfPerSecond / naiveSecondHalf:F2}×): " +
                          $"{(engine.PerSecond / naivePerSecond >= TargetRatio ? "**met**" : "**missed**")}");
        streamiz.PrintTarget(engine);
        Console.WriteLine($"- p99 end-to-end at {engineRate:N0}/s (the larger of readable and committed, after the {KafkaLoad.WarmUpSeconds} s warm-up) {engineP99 / 1e6:F1} ms: {(o.EngineRate is not null ? "no verdict (the rate was set by --engine-rate, not half of this run's peak)" : engineP99 <= TargetP99Nanos ? "**met**" : "**missed**")}" +
                          (engineLat.KeptUp ? "" : $" (the pipeline fell behind its input: it committed the last of it {engineLat.DrainAfterProducerSeconds:F1} s after the producer's last record)"));
        Console.WriteLine("- these are the trusted pipeline's figures (input keyed by user id, `--input-keying trust`); the default re-keying pipeline's are in the keying table and the latency table above.");
        Console.WriteLine();
        return keying.PartitionerMismatch || !streamiz.OutputsEqual ? 1 : 0; // both printed loudly above
    }

    // An empty histogram (a paced phase no longer than its warm-up) prints dashes: HdrHistogram has no percentile of nothing.
    private static void LatencyRow(string name, double offered, double achieved, long events, LongHistogram h)
        => Console.WriteLine(h.TotalCount == 0
            ? $"| {name} | {offered:N0} | {achieved:N0} | {events:N0} | 0 | — | — | — | — | — |"
            : $"| {name} | {offered:N0} | {achieved:N0} | {events:N0} | {h.TotalCount:N0} | {Ms(h.GetValueAtPercentile(50))} | {Ms(h.GetValueAtPercentile(90))} | " +
              $"{Ms(h.GetValueAtPercentile(99))} | {Ms(h.GetValueAtPercentile(99.9))} | {Ms(h.GetMaxValue())} |");

    private static string Ms(long nanos) => (nanos / 1e6).ToString(nanos < 10_000_000 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private static string KeptUp(string name, double offered, EnginePhase run) =>
        $"{name} at {offered:N0}/s offered ({run.AchievedRate:N0}/s sent): " +
        (run.KeptUp ? $"kept up (last input committed {run.DrainAfterProducerSeconds:F2} s after the last record)" : $"**fell behind** (last input committed {run.DrainAfterProducerSeconds:F1} s after the last record)");

    /// <summary>
    /// The lines the paced phases send: the backlog's workload when it covers <paramref name="rate"/> (the fastest paced rate)
    /// for --latency-seconds, else a longer one from the same generator and seed.
    /// </summary>
    internal static Workload PacedWorkload(Workload backlog, KafkaBenchOptions o, double rate)
    {
        int needed = (int)Math.Min(20_000_000, Math.Ceiling(rate * o.LatencySeconds));
        if (needed <= backlog.Count)
        {
            return backlog;
        }
        BenchProgress.Step($"generating {needed:N0} events for the paced phases ({o.LatencySeconds} s at up to {rate:N0}/s)");
        return WorkloadGenerator.Generate(needed, o.Users, o.Campaigns, o.Seed);
    }

    private static NaivePaced RunNaivePaced(string bootstrap, LineStore lines, KafkaBenchOptions o, double rate)
    {
        using var reader = new OutputLatencyReader(bootstrap, "naive-lat-out", o.Partitions); // started first: its start-up is not latency
        var naive = new NaiveKafkaPipeline(bootstrap, "naive-lat-in", "naive-lat-out", ConsumerDefaults.With(new(o.Properties)));
        using var stop = new CancellationTokenSource();
        using var ready = new ManualResetEventSlim(false);
        var thread = new Thread(() => naive.Run(0, stop.Token, ready)) { Name = "bench-naive" };
        thread.Start();
        if (!ready.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException("The naive pipeline got no partitions within 30 s.");
        }
        (int count, double achieved) = KafkaLoad.Paced(bootstrap, "naive-lat-in", lines, 0, rate, o.LatencySeconds, started: first => reader.SplitAt(first));
        var limit = Stopwatch.StartNew();
        while (naive.Consumed < count && limit.Elapsed < TimeSpan.FromMinutes(5))
        {
            Thread.Sleep(5);
        }
        reader.WaitQuiet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        LongHistogram latency = reader.Finish();
        stop.Cancel();
        thread.Join();
        return new NaivePaced(count, achieved, latency);
    }

    private static string Backoff(KafkaBenchOptions o) => ConsumerDefaults.With(new(o.Properties))["fetch.queue.backoff.ms"];

    /// <summary>Seconds one plain consumer with <paramref name="properties"/> takes to read <paramref name="events"/> records (from its first record on), doing nothing with them.</summary>
    /// <remarks>With <paramref name="batch"/>, the host's way: batches from librdkafka's queue (<see cref="BatchConsumer"/>), payloads read in place.</remarks>
    private static unsafe double ConsumeOnly(string bootstrap, string topic, int partitions, int events, Dictionary<string, string> properties, bool batch = false)
    {
        using IConsumer<byte[], byte[]> consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(properties)
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-consume-only",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 10,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        long bytes = 0;
        int read = 0;
        long start = 0;
        var limit = Stopwatch.StartNew();
        using (var batches = batch ? new BatchConsumer(consumer, topic) : null)
        {
            while (batches is not null && read < events && limit.Elapsed < TimeSpan.FromMinutes(2))
            {
                batches.Poll(100);
                RdKafkaNative.Message* m;
                while ((m = batches.Next()) is not null)
                {
                    if (m->Err == 0 && m->Payload is not null)
                    {
                        start = read++ == 0 ? Stopwatch.GetTimestamp() : start;
                        bytes += (long)m->Len;
                    }
                }
            }
        }
        while (!batch && read < events && limit.Elapsed < TimeSpan.FromMinutes(2))
        {
            ConsumeResult<byte[], byte[]>? r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r?.Message?.Value is { } value)
            {
                if (read++ == 0)
                {
                    start = Stopwatch.GetTimestamp();
                }
                bytes += value.Length;
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        consumer.Close();
        return read == events && bytes > 0 ? seconds * events / Math.Max(1, events - 1) : throw new InvalidOperationException($"The consume-only reader got {read:N0} of {events:N0} records.");
    }

    private sealed record NaivePaced(long Events, double AchievedRate, LongHistogram Latency);
}
