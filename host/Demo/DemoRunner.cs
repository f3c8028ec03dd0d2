using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Testing.Kafka;
using Attribution.Host.Run;
using Attribution.Host.Settings;
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
    private static readonly TimeSpan SampleEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The stated warm-up of a paced run, in seconds: measured, the first transaction commits 0.6–1.0 s after the first
    /// record (the pipeline's first produce and offsets; the JIT) and the backlog it leaves clears within a second.
    /// </summary>
    public const double WarmUpSeconds = 2;

    /// <summary>
    /// Runs the demo, writing progress and the summary to <paramref name="stderr"/>; <paramref name="settings"/> is what the
    /// status page shows as the effective settings.
    /// </summary>
    public static int Run(DemoOptions demo, TextWriter stderr, bool terminal, IReadOnlyList<EffectiveSetting>? settings = null)
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
        string? metricsProblem = null;
        using var metrics = demo.MetricsPort > 0 ? MetricsServer.TryStart(System.Net.IPAddress.Loopback, demo.MetricsPort, pipeline, log, out metricsProblem, settings) : null;
        if (demo.MetricsPort > 0 && metrics is null)
        {
            stderr.WriteLine($"attribution demo: the metrics endpoint 127.0.0.1:{demo.MetricsPort} cannot be opened ({metricsProblem}).");
            return 2;
        }
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
        using var producer = new PacedProducer(cluster.BootstrapServers, demo, generator);
        var sendClock = Stopwatch.StartNew();
        long sendStartUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long startMs = demo.StartTimeMs ?? sendStartUnixMs;
        if (demo.Rate > 0)
        {
            pipeline.Stats.SplitLatencies(sendStartUnixMs + (long)(WarmUpSeconds * 1000));
        }
        Exception? generatorError = null;
        var producerThread = new Thread(() =>
        {
            try
            {
                producer.Run(startMs, sendStartUnixMs, sendClock);
            }
            catch (Exception e) when (e is KafkaException or InvalidOperationException)
            {
                generatorError = e;
            }
        }) { Name = "demo-generator", IsBackground = true };
        producerThread.Start();

        // Sampled often, so the pace after the warm-up and the end of the run are read to a few ms; drawn twice a second.
        var timeline = new DemoTimeline();
        var display = new ProgressDisplay(stderr, terminal, demo.Events);
        bool done = false;
        double nextDraw = 0.5;
        while (!done && source.IsAlive && generatorError is null)
        {
            Thread.Sleep(SampleEvery);
            double now = sendClock.Elapsed.TotalSeconds;
            timeline.Add(now, pipeline.CommittedInput(demo.Partitions));
            if (now >= nextDraw)
            {
                display.Update(now, generator.Generated, pipeline.Stats);
                nextDraw = Math.Floor(now / 0.5) * 0.5 + 0.5;
            }
            done = !producerThread.IsAlive && AllCommitted(pipeline, producer.Ends);
        }
        display.Update(sendClock.Elapsed.TotalSeconds, generator.Generated, pipeline.Stats);
        display.Finish();
        long lastCommit = pipeline.Stats.LastCommitUnixMs;
        double elapsed = lastCommit > 0 ? (lastCommit - sendStartUnixMs) / 1000.0 : sendClock.Elapsed.TotalSeconds;
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
        var report = Pace(demo, timeline, producer, pipeline.Stats, elapsed);
        DemoSummary.Write(stderr, demo, generator, startMs, pipeline.Stats, counters, report, display.PeakRate, inTopics, pipeline.MisKeyed);
        return 0;
    }

    private static PaceReport Pace(DemoOptions demo, DemoTimeline timeline, PacedProducer producer, PipelineStats stats, double elapsed)
    {
        double warmUp = demo.Rate > 0 ? WarmUpSeconds : 0;
        double generated = producer.FinishedSeconds;
        LatencyFigures Of(LatencySpan span) => new(stats.LatencyCount(span), stats.LatencyPercentile(50, span),
            stats.LatencyPercentile(99, span), stats.LatencyPercentile(99.9, span), stats.LatencyPercentile(100, span));
        return new PaceReport
        {
            Rate = demo.Rate,
            Events = demo.Events,
            WarmUpSeconds = warmUp,
            GeneratorSeconds = generated,
            MaxBehindSeconds = producer.MaxBehindSeconds,
            MaxBehindAtSeconds = producer.MaxBehindAtSeconds,
            ElapsedSeconds = elapsed,
            FirstCommitSeconds = timeline.FirstCommitSeconds,
            WarmUpRate = warmUp > 0 ? timeline.RateBetween(0, warmUp) : double.NaN,
            LongestPause = timeline.LongestPause(warmUp, elapsed), // up to the last commit: a stall in the final drain counts
            WarmUpLatency = Of(LatencySpan.BeforeSplit),
            SteadyLatency = Of(LatencySpan.AfterSplit),
            AllLatency = Of(LatencySpan.All),
        };
    }

    /// <summary>How the input is keyed, in the summary's words.</summary>
    internal static string KeyingName(DemoInputKeys keys) => keys switch
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
}
