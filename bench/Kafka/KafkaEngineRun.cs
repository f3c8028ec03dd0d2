using System.Diagnostics;
using Attribution.Bench.Engine;
using Attribution.Bench.Reporting;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;
using Confluent.Kafka;
using HdrHistogram;

namespace Attribution.Bench.Kafka;

/// <summary>
/// Runs the host's <see cref="KafkaPipeline"/> once in this process on the embedded broker, over a backlog already in
/// its input topic (throughput) or while a paced producer feeds it (latency), and ends when everything is committed.
/// Each run gets its own group, output, dead-letter and (re-keying) repartition topic, so runs over one input topic
/// read the same records from its start.
/// </summary>
internal static class KafkaEngineRun
{
    /// <summary>
    /// One run named <paramref name="name"/> (its group is <c>bench-&lt;name&gt;</c>, its output <c>&lt;name&gt;-out</c>) reading
    /// <paramref name="input"/> with <paramref name="keying"/>. With <paramref name="paced"/> the input is produced while it runs,
    /// keyed by user id when <paramref name="keyedByUser"/>, else spread over the partitions.
    /// </summary>
    public static EnginePhase Run(EmbeddedKafkaCluster cluster, string name, string input, KafkaBenchOptions o, InputKeying keying, int backlog,
        (double Rate, LineStore Lines, bool KeyedByUser)? paced = null)
    {
        string bootstrap = cluster.BootstrapServers;
        var options = new RunOptions
        {
            BootstrapServers = bootstrap,
            InputTopic = input,
            OutputTopic = name + "-out",
            DeadLetterTopic = name + "-dlq",
            GroupId = "bench-" + name,
            HostId = "bench",
            Shards = o.Shards,
            State = new Attribution.Host.Settings.StateSizing(MemoryMiB: o.MemoryMiB),
            InputKeying = keying,
            CommitInterval = TimeSpan.FromMilliseconds(o.CommitMs),
            KafkaProperties = new Dictionary<string, string>
            {
                // As the demo: a short session for the embedded broker, short fetch waits, lz4 (5 MiB per partition, compressed).
                ["session.timeout.ms"] = "6000",
                ["heartbeat.interval.ms"] = "1000",
                ["fetch.wait.max.ms"] = "10",
                ["compression.type"] = "lz4",
            }.Concat(o.Properties).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value),
        };
        cluster.CreateTopic(options.OutputTopic, o.Partitions);
        cluster.CreateTopic(options.DeadLetterTopic, 1);
        if (keying == InputKeying.Rekey)
        {
            cluster.CreateTopic(options.RepartitionTopic, o.Partitions); // the embedded broker does not answer CreateTopics
        }
        // The reader starts first, so that its own start-up is over before the clock starts.
        using OutputLatencyReader? reader = paced is null ? null : new OutputLatencyReader(bootstrap, options.OutputTopic, o.Partitions);
        var log = new RunLog(Console.Error, quiet: true);
        using var pipeline = new KafkaPipeline(options, log, kafka: new Attribution.Host.Demo.EmbeddedBrokerSupplier(options, log));
        // Input records taken so far: re-keying, the engine consumes the repartition topic, so its own count lags the input's.
        Func<long> taken = keying == InputKeying.Rekey ? () => pipeline.Stats.Forwarded : () => pipeline.Stats.Consumed;
        using var stop = new CancellationTokenSource();
        int exit = -1;
        var source = new Thread(() => exit = pipeline.Run(stop.Token)) { Name = "bench-kafka-source" };
        source.Start();
        while (!pipeline.Ready.Wait(1) && source.IsAlive && taken() == 0)
        {
        }
        if (!source.IsAlive)
        {
            throw new InvalidOperationException($"The pipeline did not start: {pipeline.FatalError}");
        }
        string label = paced is null ? $"engine pipeline, {name}" : $"engine pipeline, {name}, paced at {paced.Value.Rate:N0}/s";
        ThroughputSeries series = ThroughputSeries.Start(label, () => pipeline.Stats.Consumed);
        long start;
        long events;
        double achieved = 0;
        long[] ends;
        ThreadCpu? cpu = null;
        long producerDone = 0;
        if (paced is { } p)
        {
            start = Stopwatch.GetTimestamp();
            cpu = ThreadCpu.Start();
            pipeline.Stats.TakeStatusWindow(); // cycles from here on are the paced phase's
            (int count, achieved) = KafkaLoad.Paced(bootstrap, input, p.Lines, 0, p.Rate, o.LatencySeconds, p.KeyedByUser,
                started: first => pipeline.Stats.SplitLatencies(reader!.SplitAt(first)));
            events = count;
            producerDone = Stopwatch.GetTimestamp();
            ends = Ends(bootstrap, input, o.Partitions);
        }
        else
        {
            ends = Ends(bootstrap, input, o.Partitions);
            while (taken() == 0 && source.IsAlive)
            {
                Thread.Sleep(1);
            }
            start = Stopwatch.GetTimestamp();
            events = backlog - taken(); // those taken before this point are not timed
        }
        var limit = Stopwatch.StartNew();
        double half = 0;
        // Half of the timed events through the engine (re-keying: out of the repartition topic), not merely copied.
        long halfMark = pipeline.Stats.Consumed + (events / 2);
        while (!pipeline.Drained(ends) && source.IsAlive)
        {
            if (half == 0 && pipeline.Stats.Consumed >= halfMark)
            {
                half = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            if (limit.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new InvalidOperationException($"The pipeline did not commit its input within 5 minutes (consumed {pipeline.Stats.Consumed:N0}).");
            }
            Thread.Sleep(1);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        StatusWindow? cycles = paced is null ? null : pipeline.Stats.TakeStatusWindow();
        double drainAfterProducer = producerDone == 0 ? 0 : Stopwatch.GetElapsedTime(producerDone).TotalSeconds;
        var cpuUsed = cpu?.Stop();
        series.Dispose();
        LongHistogram? latency = null;
        if (reader is not null)
        {
            reader.WaitQuiet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            latency = reader.Finish();
        }
        stop.Cancel();
        source.Join();
        if (exit != 0)
        {
            throw new InvalidOperationException($"The pipeline stopped with exit code {exit}: {pipeline.FatalError}");
        }
        return new EnginePhase(events, seconds, pipeline.Stats.Produced, pipeline.Stats.Commits, pipeline.Stats, pipeline.MisKeyed)
        {
            Series = series,
            HalfSeconds = half,
            Latency = latency,
            WarmUpLatency = reader?.WarmUp,
            Cpu = cpuUsed is { } used ? ThreadCpu.Describe(used) : null,
            AchievedRate = achieved,
            DrainAfterProducerSeconds = drainAfterProducer,
            Cycles = cycles,
            Load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a",
            Outcomes = pipeline.Engine?.GetCounters(),
        };
    }

    /// <summary>The high watermark of each partition of <paramref name="topic"/>.</summary>
    public static long[] Ends(string bootstrap, string topic, int partitions)
    {
        using IConsumer<Ignore, Ignore> reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-marks" }).Build();
        return [.. Enumerable.Range(0, partitions).Select(p => reader.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30)).High.Value)];
    }

    /// <summary>Records the embedded broker dropped from the start of the partitions (its 5 MiB limit).</summary>
    public static long Trimmed(string bootstrap, string topic, int partitions)
    {
        using IConsumer<Ignore, Ignore> reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-marks" }).Build();
        return Enumerable.Range(0, partitions).Sum(p => Math.Max(0, reader.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30)).Low.Value));
    }
}
