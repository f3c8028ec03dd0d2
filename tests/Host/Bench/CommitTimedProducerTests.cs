using System.Text;
using Attribution.Bench.Streamiz;
using Attribution.Testing.Kafka;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;
using HdrHistogram;

namespace Attribution.Tests.Host.Bench;

/// <summary>
/// The bench's timing of Streamiz's transactions (a pass-through wrapper of its producer) on a real transactional producer
/// and the embedded broker: an attribution is timed when the transaction holding it commits, never before, never when it aborts.
/// </summary>
public class CommitTimedProducerTests
{
    [Test]
    public void Attributions_are_timed_when_their_transaction_commits_and_not_when_it_aborts()
    {
        using EmbeddedKafkaCluster cluster = KafkaTestClients.StartCluster();
        cluster.CreateTopic("out", 1);
        cluster.CreateTopic("changelog", 1);
        ProducerConfig config = KafkaTestClients.Producer(cluster);
        config.TransactionalId = KafkaTestClients.Unique("timed");
        var histogram = new LongHistogram(600_000_000_000, 3);
        using var producer = new CommitTimedProducer(new ProducerBuilder<byte[], byte[]>(config).Build(), "out", histogram);
        long intendedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 2_000;
        producer.InitTransactions(KafkaTestClients.Patience);

        producer.BeginTransaction();
        producer.Produce("out", Attribution(intendedMs));
        producer.Produce(new TopicPartition("out", 0), Attribution(intendedMs));
        producer.Produce("changelog", Attribution(intendedMs)); // another topic: not an attribution
        producer.Flush(KafkaTestClients.Patience);
        Assert.That(histogram.TotalCount, Is.Zero, "timed before the commit");
        producer.CommitTransaction(KafkaTestClients.Patience);
        Assert.That(histogram.TotalCount, Is.EqualTo(2), "the two attributions of the committed transaction");
        Assert.That(histogram.GetValueAtPercentile(0) / 1e6, Is.GreaterThanOrEqualTo(2_000), "intended produce time → commit, in ns");

        producer.BeginTransaction();
        producer.Produce("out", Attribution(intendedMs));
        producer.AbortTransaction(KafkaTestClients.Patience);
        producer.BeginTransaction();
        producer.CommitTransaction(KafkaTestClients.Patience);
        Assert.That(histogram.TotalCount, Is.EqualTo(2), "an aborted attribution is never readable, so never timed");
    }

    private static Message<byte[], byte[]> Attribution(long conversionTimeMs) => new()
    {
        Key = "u"u8.ToArray(),
        Value = Encoding.UTF8.GetBytes($"{{\"event_type\":\"attributed_conversion\",\"conversion_id\":\"c\",\"conversion_time\":{conversionTimeMs},\"attribution_window_hours\":24}}"),
    };
}
