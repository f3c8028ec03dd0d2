using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Testing.Kafka;
using Attribution.Host.Run;
using Confluent.Kafka;

namespace Attribution.Host.Demo;

/// <summary>
/// The default run: starts the embedded Kafka-protocol broker, the exactly-once pipeline
/// (<see cref="KafkaPipeline"/>, in-process, over TCP like any client) and a <see cref="TrafficGenerator"/>
/// producing to raw-events; shows progress until every generated event is processed and committed,
/// then prints a summary. Returns 0 when the run completed, 1 when the pipeline failed.
/// </summary>
public static class DemoRunner
{
    private const string InputTopic = "raw-events";
    private const string OutputTopic = "attributed-events";
    private const string DeadLetterTopic = "attribution-dead-letter";
    private const string RepartitionTopic = "attribution-by-user-repartition"; // the default group's

    /// <summary>Runs the demo, writing progress and the summary to <paramref name="stderr"/>.</summary>
    public static int Run(DemoOptions demo, TextWriter stderr, bool terminal)
    {
        ArgumentNullException.ThrowIfNull(demo);
        ArgumentNullException.ThrowIfNull(stderr);
        string pace = demo.Rate == 0 ? "as fast as possible" : $"{demo.Rate:N0} events/s";
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"attribution demo: embedded Kafka broker, {demo.Events:N0} generated events ({pace}, seed {demo.Seed}, input keys: {KeyingName(demo.InputKeys)}), exactly-once pipeline with {demo.Shards} shard(s), input_keying {(demo.InputKeys == DemoInputKeys.User ? "trust" : "rekey")}"));

        using var cluster = new EmbeddedKafkaCluster(1);
        cluster.SetGroupInitialRebalanceDelay(0); // one member: no reason to wait for others
        cluster.CreateTopic(InputTopic, demo.Partitions);
        cluster.CreateTopic(OutputTopic, demo.Partitions);
        cluster.CreateTopic(DeadLetterTopic, 1);
        cluster.CreateTopic(RepartitionTopic, demo.Partitions); // the embedded broker does not answer CreateTopics
        stderr.WriteLine($"  broker {cluster.BootstrapServers}  topics {InputTopic} → {OutputTopic} (+ {DeadLetterTopic}), {demo.Partitions} partitions");

        var options = new RunOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            HostId = "demo",
            // The generator keys by user id with the producers' default partitioner unless told otherwise: that is
            // the input `trust` is for (docs/SCALING.md); other keys are re-keyed through the repartition topic.
            InputKeying = demo.InputKeys == DemoInputKeys.User ? InputKeying.Trust : InputKeying.Rekey,
            Shards = demo.Shards,
            Attribution = demo.Attribution,
            MetricsPort = demo.MetricsPort,
            KafkaProperties = new Dictionary<string, string>
            {
                // The embedded broker re-forms a group only after session.timeout.ms − 1 s; keep it short.
                ["session.timeout.ms"] = "6000",
                ["heartbeat.interval.ms"] = "1000",
                // Measured here: with the default 500 ms, end-to-end latency through the embedded broker was ~5x higher.
                ["fetch.wait.max.ms"] = "10",
                ["compression.type"] = "lz4", // the embedded broker keeps 5 MiB per partition, compressed bytes count
            },
        };
        // The progress display owns standard error: the pipeline's information lines would scroll it away, so the
        // default level shows warnings and worse; a more verbose --log-level (debug, trace) is honoured as asked.
        var level = demo.LogLevel == Microsoft.Extensions.Logging.LogLevel.Information ? Microsoft.Extensions.Logging.LogLevel.Warning : demo.LogLevel;
        var log = RunLog.Create(stderr, level, demo.LogFormat);
        using var pipeline = new KafkaPipeline(options, log, kafka: new EmbeddedBrokerSupplier(options, log));
        using var metrics = demo.MetricsPort > 0 ? MetricsServer.TryStart(System.Net.IPAddress.Loopback, demo.MetricsPort, pipeline, log, out _) : null;
        using var stop = new CancellationTokenSource();
        int pipelineExit = -1;
        var source = new Thread(() => pipelineExit = pipeline.Run(stop.Token)) { Name = "attribution-source" };
        var clock = Stopwatch.StartNew();
        source.Start();
        while (!pipeline.Ready.Wait(100) && source.IsAlive)
        {
        }
        if (!source.IsAlive)
        {
            stderr.WriteLine($"attribution demo: the pipeline did not start: {pipeline.FatalError}");
            return 1;
        }
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pipeline ready after {clock.Elapsed.TotalSeconds:F1} s; generating"));

        var generator = new TrafficGenerator(demo.Seed, orderSlackMs: demo.OrderSlackMs);
        long startMs = demo.StartTimeMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ends = new long[demo.Partitions];
        Exception? generatorError = null;
        var producerThread = new Thread(() =>
        {
            try
            {
                Generate(cluster.BootstrapServers, demo, generator, startMs, ends);
            }
            catch (Exception e) when (e is KafkaException or InvalidOperationException)
            {
                generatorError = e;
            }
        }) { Name = "demo-generator", IsBackground = true };
        var start = Stopwatch.StartNew();
        producerThread.Start();

        var display = new ProgressDisplay(stderr, terminal, demo.Events);
        bool done = false;
        while (!done && source.IsAlive && generatorError is null)
        {
            Thread.Sleep(500);
            display.Update(start.Elapsed.TotalSeconds, generator.Generated, pipeline.Stats);
            done = !producerThread.IsAlive && AllCommitted(pipeline, ends);
        }
        display.Update(start.Elapsed.TotalSeconds, generator.Generated, pipeline.Stats);
        display.Finish();
        var elapsed = start.Elapsed;
        var counters = pipeline.Engine?.GetCounters();
        stop.Cancel();
        source.Join();
        if (generatorError is not null)
        {
            stderr.WriteLine($"attribution demo: the traffic generator failed: {generatorError.Message}");
            return 1;
        }
        if (pipelineExit != 0 || counters is null)
        {
            stderr.WriteLine($"attribution demo: the pipeline stopped: {pipeline.FatalError ?? "unknown reason"}");
            return 1;
        }
        long outputRead;
        using (var outputFile = demo.OutputFile is null ? null : new FileStream(demo.OutputFile, FileMode.Create, FileAccess.Write))
        {
            outputRead = ReadBack(cluster.BootstrapServers, OutputTopic, outputFile);
        }
        var inTopics = (Output: outputRead, DeadLetters: ReadBack(cluster.BootstrapServers, DeadLetterTopic, null));
        WriteSummary(stderr, demo, generator, startMs, pipeline.Stats, counters, elapsed, display.PeakRate, inTopics, pipeline.MisKeyed);
        return 0;
    }

    private static void Generate(string bootstrap, DemoOptions demo, TrafficGenerator generator, long startMs, long[] ends)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            Partitioner = Partitioner.Murmur2Random, // what Java producers upstream use for keyed records
            ClientId = "demo-generator",
        };
        using var producer = new ProducerBuilder<string?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < demo.Events; i++)
        {
            if (demo.Rate > 0 && (i & 63) == 0)
            {
                double due = (double)i / demo.Rate;
                double ahead = due - clock.Elapsed.TotalSeconds;
                if (ahead > 0.002)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(ahead));
                }
            }
            // Paced, event time follows the schedule rather than the wall clock, so the traffic can be generated again.
            long now = demo.Rate > 0 ? TrafficGenerator.PacedClock(startMs, i, demo.Rate) : startMs + clock.ElapsedMilliseconds;
            var (user, value) = generator.Next(now);
            var message = new Message<string?, byte[]?> { Key = Key(demo.InputKeys, user, i), Value = value };
            var target = new TopicPartition(InputTopic, demo.InputKeys == DemoInputKeys.RoundRobin ? new Partition((int)(i % demo.Partitions)) : Partition.Any);
            while (true)
            {
                try
                {
                    producer.Produce(target, message);
                    break;
                }
                catch (ProduceException<string?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }
        if (producer.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("the generated events could not all be delivered to the embedded broker within 60 s");
        }
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "demo-marks" }).Build();
        for (int p = 0; p < ends.Length; p++)
        {
            ends[p] = reader.QueryWatermarkOffsets(new TopicPartition(InputTopic, p), TimeSpan.FromSeconds(30)).High.Value;
        }
    }

    // Anything but User makes the input mis-keyed: a user's events land on several partitions.
    private static string? Key(DemoInputKeys keys, string user, long index) => keys switch
    {
        DemoInputKeys.User => user,
        DemoInputKeys.Session => string.Create(CultureInfo.InvariantCulture, $"session-{index % 10_007}"),
        _ => null,
    };

    private static string KeyingName(DemoInputKeys keys) => keys switch
    {
        DemoInputKeys.User => "user_id, murmur2",
        DemoInputKeys.Session => "session id, not user_id",
        DemoInputKeys.Null => "no key",
        _ => "no key, round-robin",
    };

    private static bool AllCommitted(KafkaPipeline pipeline, long[] ends) => pipeline.Drained(ends);

    /// <summary>
    /// Reads a whole topic back as a downstream consumer would (read_committed) and counts its records,
    /// writing each value as one line to <paramref name="copy"/> when given.
    /// </summary>
    private static long ReadBack(string bootstrap, string topic, Stream? copy)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions;
        using var reader = new ConsumerBuilder<Ignore, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "demo-read-back",
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            EnableAutoCommit = false,
        }).Build();
        reader.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        var open = partitions.Select(p => p.PartitionId).ToHashSet();
        long n = 0;
        var clock = Stopwatch.StartNew();
        while (open.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var r = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
            {
                continue;
            }
            if (r.IsPartitionEOF)
            {
                open.Remove(r.Partition.Value);
            }
            else
            {
                n++;
                if (copy is not null)
                {
                    copy.Write(r.Message.Value);
                    copy.WriteByte((byte)'\n');
                }
            }
        }
        return n;
    }

    private static void WriteSummary(TextWriter w, DemoOptions demo, TrafficGenerator g, long startMs, PipelineStats s, AttributionCounters c,
        TimeSpan elapsed, double peakRate, (long Output, long DeadLetters) inTopics, long misKeyed)
    {
        var ci = CultureInfo.InvariantCulture;
        void Row(string name, string value) => w.WriteLine(string.Create(ci, $"  │ {name,-36} │ {value,24} │"));
        string N(long v) => v.ToString("N0", ci);
        string keys = demo.InputKeys == DemoInputKeys.User ? "" : " --input-keys " + (demo.InputKeys == DemoInputKeys.RoundRobin ? "round-robin" : demo.InputKeys.ToString().ToLowerInvariant());
        string again = demo.Rate > 0
            ? $"attribution demo --seed {demo.Seed} --rate {demo.Rate} --events {demo.Events} --start-time {startMs}{keys}"
            : $"unpaced, event times follow the clock; similar: attribution demo --seed {demo.Seed} --rate 0 --events {demo.Events}{keys}";
        w.WriteLine(string.Create(ci, $"  summary (seed {demo.Seed}; same traffic again: {again})"));
        w.WriteLine("  ┌──────────────────────────────────────┬──────────────────────────┐");
        Row("events generated", N(g.Generated));
        Row("  input keyed by", KeyingName(demo.InputKeys));
        Row("    not on their user's partition", demo.InputKeys == DemoInputKeys.User ? $"{N(misKeyed)} (trusted)" : $"{N(misKeyed)} (re-keyed)");
        Row("  clicks", N(g.Clicks));
        Row("  conversions (re-sent duplicates)", $"{N(g.Conversions)} ({N(g.Duplicates)})");
        Row("  late events", N(g.Late));
        Row("  bad records", N(g.Bad));
        Row("events processed", N(s.Consumed));
        Row("attributed conversions produced", N(s.Produced));
        Row("  read back from attributed-events", N(inTopics.Output) + (demo.OutputFile is null ? "" : ", to file"));
        Row("rejected, sent to dead letters", N(s.DeadLetters));
        Row("  read back from dead-letter topic", N(inTopics.DeadLetters));
        for (int r = 1; r < RejectReasons.Count; r++)
        {
            if (c.Rejection((RejectReason)r) > 0)
            {
                Row("    " + RejectReasons.Name((RejectReason)r), N(c.Rejection((RejectReason)r)));
            }
        }
        w.WriteLine("  ├──────────────────────────────────────┼──────────────────────────┤");
        foreach (AttributionOutcome o in Enum.GetValues<AttributionOutcome>())
        {
            if (c.Outcome(o) > 0)
            {
                Row(AttributionOutcomes.Name(o), N(c.Outcome(o)));
            }
        }
        w.WriteLine("  ├──────────────────────────────────────┼──────────────────────────┤");
        Row("transactions committed (aborted)", $"{N(s.Commits)} ({N(s.Aborts)})");
        Row("elapsed", string.Create(ci, $"{elapsed.TotalSeconds:F2} s"));
        Row("events/s, average (generator pace)", string.Create(ci, $"{s.Consumed / Math.Max(elapsed.TotalSeconds, 1e-9):N0} ({(demo.Rate == 0 ? "unpaced" : demo.Rate.ToString("N0", ci))})"));
        Row("events/s, best half second", string.Create(ci, $"{peakRate:N0}"));
        Row("end-to-end latency p50 / p99", string.Create(ci, $"{s.LatencyPercentile(50)} / {s.LatencyPercentile(99)} ms"));
        Row("end-to-end latency p99.9 / max", string.Create(ci, $"{s.LatencyPercentile(99.9)} / {s.LatencyPercentile(100)} ms"));
        w.WriteLine("  └──────────────────────────────────────┴──────────────────────────┘");
        w.WriteLine("  end-to-end latency: an input record's produce time until its attribution's transaction committed.");
    }
}
