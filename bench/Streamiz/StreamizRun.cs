using System.Diagnostics;
using Attribution.Bench.Kafka;
using Attribution.Testing.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// Runs the Streamiz attribution job (<see cref="StreamizAttributionTransformer"/>) once on the embedded broker over a
/// backlog already in its input topic, until every input record was processed.
/// </summary>
internal static class StreamizRun
{
    // One for the process: Streamiz keeps the factory of the first config in a static and uses it in later ones.
    private static readonly ILoggerFactory Logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>The settings the run changes from Streamiz's defaults, printed by the suite.</summary>
    public static string Settings(bool changelog, int commitMs) =>
        $"Guarantee=EXACTLY_ONCE, CommitIntervalMs={commitMs}, AutoOffsetReset=Earliest, StateDir=<temp dir>, " +
        $"stores Stores.PersistentKeyValueStore (RocksDB){(changelog ? " with their changelog topics (created up front)" : " .WithLoggingDisabled()")}; " +
        "everything else Streamiz's defaults (1 stream thread, so one transactional producer for all tasks as Kafka Streams' exactly_once_v2; " +
        "read_committed, idempotence; default RocksDB options; store caching off)";

    /// <summary>
    /// One run named <paramref name="name"/> (application id <c>streamiz-&lt;name&gt;</c>) from <paramref name="input"/>
    /// to <paramref name="output"/>; returns when <paramref name="backlog"/> records were processed.
    /// </summary>
    public static StreamizPhase Run(EmbeddedKafkaCluster cluster, string name, string input, string output, int partitions, int backlog,
        bool changelog, int commitMs)
    {
        string applicationId = "streamiz-" + name;
        if (changelog)
        {
            // Streamiz creates its changelog topics through the admin API, which the embedded broker does not answer.
            cluster.CreateTopic($"{applicationId}-{StreamizAttributionTransformer.ClickStore}-changelog", partitions);
            cluster.CreateTopic($"{applicationId}-{StreamizAttributionTransformer.ConversionStore}-changelog", partitions);
        }
        string stateDir = Path.Combine(Path.GetTempPath(), $"bench-streamiz-{Environment.ProcessId}-{name}");
        var counters = new StreamizCounters { HalfMark = backlog / 2 };
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = cluster.BootstrapServers,
            Guarantee = ProcessingGuarantee.EXACTLY_ONCE,
            CommitIntervalMs = commitMs,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StateDir = stateDir,
            Logger = Logs,
        };
        using var stream = new KafkaStream(StreamizTopology.Build(input, output, counters, changelog), config);
        string state = "CREATED";
        stream.StateChanged += (_, now) => state = now.ToString();
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
        long committedTicks = LastOutputChange(cluster.BootstrapServers, output, partitions, TimeSpan.FromMilliseconds(Math.Max(500, commitMs * 5)));
        double processedSeconds = (processedTicks - counters.FirstTicks) / (double)Stopwatch.Frequency;
        double seconds = (Math.Max(processedTicks, committedTicks) - counters.FirstTicks) / (double)Stopwatch.Frequency;
        stream.Dispose();
        try
        {
            Directory.Delete(stateDir, recursive: true);
        }
        catch (IOException)
        {
        }
        long changelogRecords = changelog
            ? new[] { StreamizAttributionTransformer.ClickStore, StreamizAttributionTransformer.ConversionStore }
                .Sum(store => KafkaEngineRun.Ends(cluster.BootstrapServers, $"{applicationId}-{store}-changelog", partitions).Sum())
            : 0;
        return new StreamizPhase(backlog, seconds * backlog / Math.Max(1, backlog - 1), counters.Attributed, counters.Duplicates, counters.Invalid, drainedState)
        {
            HalfSeconds = (counters.HalfTicks - counters.FirstTicks) / (double)Stopwatch.Frequency,
            ProcessedSeconds = processedSeconds * backlog / Math.Max(1, backlog - 1),
            ChangelogOffsets = changelogRecords,
            OutputOffsets = KafkaEngineRun.Ends(cluster.BootstrapServers, output, partitions).Sum(),
        };
    }

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
