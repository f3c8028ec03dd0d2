using System.Diagnostics;
using Attribution.Bench.Engine;
using Attribution.Bench.Kafka;
using Attribution.Bench.Reporting;
using Attribution.Testing.Kafka;
using Confluent.Kafka;
using HdrHistogram;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// Runs the Streamiz attribution job (<see cref="StreamizAttributionTransformer"/>) once on the embedded broker: over a
/// backlog already in its input topic until every input record was processed and committed (<see cref="Run"/>), or
/// while a paced producer feeds it (<see cref="RunPaced"/>).
/// </summary>
internal static class StreamizRun
{
    // One for the process: Streamiz keeps the factory of the first config in a static and uses it in later ones.
    private static readonly ILoggerFactory Logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>Every setting the runs change from Streamiz's defaults and why, printed by the suites.</summary>
    public static string Settings(bool changelog, int? commitMs) =>
        "Guarantee=EXACTLY_ONCE (Streamiz's name for Kafka Streams' exactly_once_v2: one transactional producer per stream thread; " +
        "setting it also sets its EOS defaults: read_committed, idempotence, max.in.flight 5, " +
        (commitMs is { } ms ? $"and commit.interval.ms {StreamConfig.EOS_DEFAULT_COMMIT_INTERVAL_MS}, **changed here to {ms} ms** by --streamiz-commit-ms); "
                            : $"commit.interval.ms {StreamConfig.EOS_DEFAULT_COMMIT_INTERVAL_MS}, kept); ") +
        "AutoOffsetReset=Earliest (the job reads a backlog written before it started; Kafka Streams' own default, Streamiz leaves librdkafka's latest); " +
        "StateDir=a new temp directory per run (each run starts with empty stores); " +
        "both stores Stores.PersistentKeyValueStore (RocksDB, default options) " +
        (changelog ? "with their changelog topics on, created up front by the bench with the input's partition count (the embedded broker does not answer the admin API's CreateTopics); "
                   : "**with the changelog off** (.WithLoggingDisabled(), --changelog off); ") +
        "Logger=warnings to stderr. Everything else Streamiz's defaults: 1 stream thread, store caching off, librdkafka's client defaults " +
        "(the suite's --property settings go to the other contenders only), Streamiz's own client supplier (in the paced run wrapped to time its commits, records unchanged)";

    /// <summary>
    /// One run named <paramref name="name"/> (application id <c>streamiz-&lt;name&gt;</c>) from <paramref name="input"/>
    /// to <paramref name="output"/>; returns when <paramref name="backlog"/> records were processed and the last transaction committed.
    /// </summary>
    public static StreamizPhase Run(EmbeddedKafkaCluster cluster, string name, string input, string output, int partitions, int backlog,
        bool changelog, int? commitMs, string? seriesLabel = null)
    {
        var counters = new StreamizCounters { HalfMark = backlog / 2 };
        StreamConfig<StringSerDes, StringSerDes> config = Config(cluster, name, partitions, changelog, commitMs);
        using var stream = new KafkaStream(StreamizTopology.Build(input, output, counters, changelog), config);
        string state = "CREATED";
        stream.StateChanged += (_, now) => state = now.ToString();
        ThroughputSeries? series = seriesLabel is null ? null : ThroughputSeries.Start(seriesLabel, () => counters.Processed);
        stream.StartAsync().GetAwaiter().GetResult();
        var limit = Stopwatch.StartNew();
        while (counters.Processed < backlog)
        {
            if (limit.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"The Streamiz job processed {counters.Processed:N0} of {backlog:N0} records in 5 minutes (state {state}).");
            }
            Thread.Sleep(1);
        }
        string drainedState = state;
        long processedTicks = counters.LastTicks;
        // Its last transaction commits after the last record was processed: the end is when the output topic's offsets
        // (records and commit markers) stop moving, polled until they stayed still for a few commit intervals.
        long interval = commitMs ?? StreamConfig.EOS_DEFAULT_COMMIT_INTERVAL_MS;
        long committedTicks = LastOutputChange(cluster.BootstrapServers, output, partitions, TimeSpan.FromMilliseconds(Math.Max(500, interval * 5)));
        double processedSeconds = (processedTicks - counters.FirstTicks) / (double)Stopwatch.Frequency;
        double seconds = (Math.Max(processedTicks, committedTicks) - counters.FirstTicks) / (double)Stopwatch.Frequency;
        series?.Dispose();
        stream.Dispose();
        DeleteState(config.StateDir);
        long changelogRecords = changelog
            ? new[] { StreamizAttributionTransformer.ClickStore, StreamizAttributionTransformer.ConversionStore }
                .Sum(store => KafkaEngineRun.Ends(cluster.BootstrapServers, $"{config.ApplicationId}-{store}-changelog", partitions).Sum())
            : 0;
        return new StreamizPhase(backlog, seconds * backlog / Math.Max(1, backlog - 1), counters.Attributed, counters.Duplicates, counters.Invalid, drainedState)
        {
            HalfSeconds = (counters.HalfTicks - counters.FirstTicks) / (double)Stopwatch.Frequency,
            ProcessedSeconds = processedSeconds * backlog / Math.Max(1, backlog - 1),
            ChangelogOffsets = changelogRecords,
            OutputOffsets = KafkaEngineRun.Ends(cluster.BootstrapServers, output, partitions).Sum(),
            Series = series,
            Load = LoadAverage(),
        };
    }

    /// <summary>
    /// A paced run: the job starts on the empty <paramref name="input"/>, then events are produced at <paramref name="rate"/>
    /// for <paramref name="seconds"/> s, each stamped with its intended produce time; latency to readable (a read_committed
    /// reader of <paramref name="output"/>) and to the job's transaction committed (<see cref="CommitTimingSupplier"/>).
    /// </summary>
    public static StreamizPaced RunPaced(EmbeddedKafkaCluster cluster, string name, string input, string output, int partitions, LineStore lines,
        double rate, int seconds, bool changelog, int? commitMs)
    {
        var counters = new StreamizCounters();
        StreamConfig<StringSerDes, StringSerDes> config = Config(cluster, name, partitions, changelog, commitMs);
        var supplier = new CommitTimingSupplier(config, output);
        var stream = new KafkaStream(StreamizTopology.Build(input, output, counters, changelog), config, supplier);
        try
        {
            string state = "CREATED";
            stream.StateChanged += (_, now) => state = now.ToString();
            stream.StartAsync().GetAwaiter().GetResult();
            var limit = Stopwatch.StartNew();
            while (state != "RUNNING")
            {
                if (limit.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new InvalidOperationException($"The Streamiz job was not RUNNING within 60 s (state {state}).");
                }
                Thread.Sleep(5);
            }
            using var reader = new OutputLatencyReader(cluster.BootstrapServers, output, partitions);
            long pacedStart = Stopwatch.GetTimestamp();
            (int count, double achieved) = KafkaLoad.Paced(cluster.BootstrapServers, input, lines, 0, rate, seconds, started: first => reader.SplitAt(first));
            long behind = count - counters.Processed;
            limit.Restart();
            while (counters.Processed < count && limit.Elapsed < TimeSpan.FromMinutes(5))
            {
                Thread.Sleep(5);
            }
            double catchUp = limit.Elapsed.TotalSeconds;
            reader.WaitQuiet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            LongHistogram readable = reader.Finish();
            LongHistogram committed;
            lock (supplier.Committed)
            {
                committed = (LongHistogram)supplier.Committed.Copy();
            }
            return new StreamizPaced(count, achieved, counters.Processed, counters.Attributed, readable, committed, LoadAverage())
            {
                FirstSeconds = (counters.FirstTicks - pacedStart) / (double)Stopwatch.Frequency,
                BehindWhenProduced = behind,
                CatchUpSeconds = catchUp,
            };
        }
        finally
        {
            stream.Dispose();
            DeleteState(config.StateDir);
        }
    }

    private static StreamConfig<StringSerDes, StringSerDes> Config(EmbeddedKafkaCluster cluster, string name, int partitions, bool changelog, int? commitMs)
    {
        string applicationId = "streamiz-" + name;
        if (changelog)
        {
            // Streamiz creates its changelog topics through the admin API, which the embedded broker does not answer.
            cluster.CreateTopic($"{applicationId}-{StreamizAttributionTransformer.ClickStore}-changelog", partitions);
            cluster.CreateTopic($"{applicationId}-{StreamizAttributionTransformer.ConversionStore}-changelog", partitions);
        }
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = cluster.BootstrapServers,
            Guarantee = ProcessingGuarantee.EXACTLY_ONCE,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StateDir = Path.Combine(Path.GetTempPath(), $"bench-streamiz-{Environment.ProcessId}-{name}"),
            Logger = Logs,
        };
        if (commitMs is { } ms)
        {
            config.CommitIntervalMs = ms;
        }
        return config;
    }

    private static void DeleteState(string stateDir)
    {
        try
        {
            Directory.Delete(stateDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>Stopwatch ticks of the last change seen in the sum of <paramref name="topic"/>'s high watermarks, once it held still for <paramref name="quiet"/>.</summary>
    private static long LastOutputChange(string bootstrap, string topic, int partitions, TimeSpan quiet)
    {
        using IConsumer<Ignore, Ignore> reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-marks" })
            .SetLogHandler((_, _) => { }).Build();
        long Sum() => Enumerable.Range(0, partitions).Sum(p => reader.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30)).High.Value);
        long last = Sum();
        long changed = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(changed) < quiet)
        {
            Thread.Sleep(5);
            long now = Sum();
            if (now != last)
            {
                last = now;
                changed = Stopwatch.GetTimestamp();
            }
        }
        return changed;
    }
}
