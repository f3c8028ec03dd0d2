using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Attribution.Bench.Engine;
using Attribution.Host.Kafka;
using Attribution.Testing.Kafka;
using Confluent.Kafka;

namespace Attribution.Bench.Kafka;

/// <summary>
/// One transaction's produce-to-committed time on the embedded broker, as the host's sink commits (records produced
/// through <see cref="NativeProducer"/>, input offsets sent, then committed), two ways alternated in one run:
/// librdkafka's commit alone, whose flush waits for delivery reports in polls of up to 10 ms while Confluent.Kafka's
/// poll thread serves them; and the host's way, <see cref="NativeProducer.WaitDelivered"/> first.
/// </summary>
public sealed class CommitBenchSuite : IBenchSuite
{
    private static readonly Option<long?> RoundsFlag = BenchFlags.Whole("--rounds", "transactions per size and way (default 40)", new(5, 10_000));
    private static readonly Option<long?> LingerFlag = BenchFlags.Whole("--linger-ms", "the producer's linger.ms (default 5, the host's default)", new(0, 1000));
    private static readonly Option<string[]> PropertyFlag = BenchFlags.Pairs("--property", "librdkafka setting for the producer and the consumer, repeatable");

    /// <inheritdoc/>
    public string Name => "commit";

    /// <inheritdoc/>
    public string Description => "a transaction's produce → committed time: librdkafka's commit flush vs waiting for delivery first (the host's way)";

    /// <inheritdoc/>
    public IReadOnlyList<Option> Flags => [RoundsFlag, LingerFlag, PropertyFlag];

    /// <inheritdoc/>
    public int Run(ParseResult flags)
    {
        int rounds = (int)(flags.GetValue(RoundsFlag) ?? 40);
        int linger = (int)(flags.GetValue(LingerFlag) ?? 5);
        Dictionary<string, string> properties = BenchFlags.PairValues(flags, PropertyFlag);
        string[] pairs = [.. properties.Select(p => $"{p.Key}={p.Value}")];
        using var cluster = new EmbeddedKafkaCluster(1);
        cluster.CreateTopic("commit-in", 1);
        cluster.CreateTopic("commit-out", 32);
        string bootstrap = cluster.BootstrapServers;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig(new Dictionary<string, string>(properties)) { BootstrapServers = bootstrap, GroupId = "commit-bench", EnableAutoCommit = false })
            .SetLogHandler((_, _) => { }).Build();
        consumer.Assign(new TopicPartition("commit-in", 0));
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig(new Dictionary<string, string>(properties))
        {
            BootstrapServers = bootstrap,
            TransactionalId = "commit-bench",
            LingerMs = linger,
        }).SetLogHandler((_, _) => { }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        using var native = new NativeProducer(producer);
        IntPtr topic = native.Topic("commit-out");

        Console.WriteLine($"## commit: produce → committed, one transaction, embedded broker, linger.ms={linger}{string.Concat(pairs.Select(p => ", " + p))}{MachineDescription.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine($"Command: `dotnet run -c Release --project bench -- commit --rounds {rounds} --linger-ms {linger}{string.Concat(pairs.Select(p => " --property " + p))}`. Each transaction produces N records of 200 B " +
                          "(keys spread over 32 partitions) through rd_kafka_produceva, sends one input offset, and commits; the two ways alternate, transaction by transaction.");
        Console.WriteLine();
        Console.WriteLine("| records | way | p50 ms | p90 ms | max ms |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        long offset = 0;
        byte[] value = new byte[200];
        foreach (int records in new[] { 1, 100, 2000 })
        {
            var library = new List<double>();
            var waited = new List<double>();
            for (int r = 0; r < rounds * 2; r++)
            {
                bool wait = r % 2 == 1;
                long start = Stopwatch.GetTimestamp();
                producer.BeginTransaction();
                for (int i = 0; i < records; i++)
                {
                    long k = (offset * 7919) + i;
                    while (!native.TryProduce(topic, -1, BitConverter.GetBytes(k), value, 0, "h\0"u8, []))
                    {
                        Thread.Sleep(1);
                    }
                }
                producer.SendOffsetsToTransaction([new TopicPartitionOffset("commit-in", 0, ++offset)], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
                if (wait)
                {
                    native.WaitDelivered(TimeSpan.FromSeconds(30));
                }
                producer.CommitTransaction(TimeSpan.FromSeconds(30));
                (wait ? waited : library).Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            Row(records, "librdkafka's commit (its flush polls in 10 ms steps)", library);
            Row(records, "**delivery waited for first** (the host's sink)", waited);
        }
        Console.WriteLine();
        return 0;
    }

    private static void Row(int records, string way, List<double> ms)
    {
        ms.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {records:N0} | {way} | {ms[ms.Count / 2]:F1} | {ms[(int)(ms.Count * 0.9)]:F1} | {ms[^1]:F1} |"));
    }
}
