using Attribution.Host.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// <see cref="NativeProducer.WaitDelivered"/>, which the sink calls before each commit: it returns only when no record
/// is outstanding, or false at its timeout.
/// </summary>
public class NativeProducerTests
{
    [Test]
    public void WaitDelivered_returns_only_when_every_record_is_in_the_broker()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("wait-out", 4);
        // Records wait in the client unless flushed (linger.ms): a wait that returned early would find them there.
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig(Producer(cluster)) { TransactionalId = Unique("wait"), LingerMs = 1000 }).Build();
        producer.InitTransactions(Patience);
        producer.BeginTransaction();
        using var native = new NativeProducer(producer);
        IntPtr topic = native.Topic("wait-out");
        for (int i = 0; i < 500; i++)
        {
            Assert.That(native.TryProduce(topic, -1, BitConverter.GetBytes(i), "v"u8, 0, "h\0"u8, "x"u8), Is.True);
        }

        Assert.That(native.WaitDelivered(Patience), Is.True);

        // In the broker before the commit (the embedded broker shows uncommitted records in its watermarks).
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = Unique("wait-reader") }).Build();
        long inBroker = Enumerable.Range(0, 4).Sum(p => reader.QueryWatermarkOffsets(new TopicPartition("wait-out", p), Patience).High.Value);
        Assert.That(inBroker, Is.EqualTo(500));
        producer.CommitTransaction(Patience);
    }

    [Test]
    public void WaitDelivered_returns_false_at_its_timeout_while_a_record_cannot_be_delivered()
    {
        var config = new ProducerConfig
        {
            BootstrapServers = "127.0.0.1:1", // nothing listens there
            MessageTimeoutMs = 600_000,
            SocketConnectionSetupTimeoutMs = 600_000,
        };
        using var producer = new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
        using var native = new NativeProducer(producer);
        Assert.That(native.TryProduce(native.Topic("nowhere"), 0, "k"u8, "v"u8, 0, "h\0"u8, "x"u8), Is.True);

        Assert.That(native.WaitDelivered(TimeSpan.FromMilliseconds(300)), Is.False);
        Assert.That(RdKafkaNative.Bound.OutqLen(RdKafkaNative.HandleOf(producer).DangerousGetHandle()), Is.GreaterThan(0), "the record is still outstanding");
    }
}
