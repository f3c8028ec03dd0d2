using System.Diagnostics;
using Attribution.Testing.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Kafka;

/// <summary>Client settings and read helpers shared by the embedded-broker tests.</summary>
internal static class KafkaTestClients
{
    /// <summary>Upper bound for any single wait in these tests; generous for a busy 2-core box.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A unique name per test, so tests never see each other's data.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>A cluster whose consumer groups form without the 3 s initial delay.</summary>
    public static EmbeddedKafkaCluster StartCluster(int brokers = 1)
    {
        var cluster = new EmbeddedKafkaCluster(brokers);
        cluster.SetGroupInitialRebalanceDelay(0);
        return cluster;
    }

    public static ProducerConfig Producer(EmbeddedKafkaCluster cluster) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        // Reconnect quickly after a broker comes back, so fault tests stay short.
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
    };

    /// <summary>A consumer of the suite's cluster (its properties applied), otherwise as <see cref="Consumer(EmbeddedKafkaCluster, string, IsolationLevel)"/>.</summary>
    public static ConsumerConfig Consumer(KafkaTestCluster cluster, string groupId, IsolationLevel isolation = IsolationLevel.ReadCommitted)
        => cluster.Apply(new ConsumerConfig
        {
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            IsolationLevel = isolation,
            ReconnectBackoffMs = 50,
            ReconnectBackoffMaxMs = 500,
        });

    public static ConsumerConfig Consumer(EmbeddedKafkaCluster cluster, string groupId, IsolationLevel isolation = IsolationLevel.ReadCommitted) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        IsolationLevel = isolation,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
    };

    /// <summary>
    /// Reads until <paramref name="expected"/> records arrived (or <see cref="Patience"/> ran out),
    /// then keeps reading for <paramref name="quiet"/> so extra records (duplicates) show up too.
    /// </summary>
    public static List<ConsumeResult<string, string>> ReadAll(IConsumer<string, string> consumer, int expected, TimeSpan quiet)
    {
        var records = new List<ConsumeResult<string, string>>(expected);
        var clock = Stopwatch.StartNew();
        while (records.Count < expected && clock.Elapsed < Patience)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is { IsPartitionEOF: false }) records.Add(r);
        }
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < quiet)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r is { IsPartitionEOF: false }) records.Add(r);
        }
        return records;
    }

    /// <summary>Reads a whole topic from the start with a throw-away group.</summary>
    public static List<ConsumeResult<string, string>> ReadTopic(EmbeddedKafkaCluster cluster, string topic, int expected,
        IsolationLevel isolation = IsolationLevel.ReadCommitted, double quietSeconds = 0.5)
    {
        using var consumer = new ConsumerBuilder<string, string>(Consumer(cluster, Unique("reader"), isolation)).Build();
        consumer.Subscribe(topic);
        try
        {
            return ReadAll(consumer, expected, TimeSpan.FromSeconds(quietSeconds));
        }
        finally
        {
            consumer.Close();
        }
    }
}
