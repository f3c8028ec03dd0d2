using Attribution.Testing.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaClientRoundTripTests;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// The embedded broker's offsets shim (<see cref="MockBrokerOffsets"/>): the offsets a committed transaction
/// carried are stored for the group, those of an aborted one are not (the broker alone stores neither:
/// MockBrokerLimitationTests).
/// </summary>
public class MockBrokerOffsetsTests
{
    [Test]
    public void Offsets_of_a_committed_transaction_are_stored_for_the_group_and_those_of_an_aborted_one_are_not()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("shim-in", 2);
        ProducePlain(cluster, "shim-in", 10);
        var warnings = new List<string>();
        var shim = new MockBrokerOffsets(warnings.Add, Patience);
        using var consumer = shim.Consumer(new ConsumerBuilder<string, string>(Consumer(cluster, "shim-group")).Build());
        consumer.Subscribe("shim-in");
        var next = NextOffsets(ReadAll(consumer, 10, TimeSpan.Zero)).OrderBy(o => o.Partition.Value).ToList();
        Assert.That(next, Has.Count.EqualTo(2), "both partitions got input");

        var config = Producer(cluster);
        config.TransactionalId = Unique("shim");
        using var producer = shim.Producer(new ProducerBuilder<string, string>(config).Build());
        producer.InitTransactions(Patience);
        producer.BeginTransaction();
        producer.SendOffsetsToTransaction([next[0]], consumer.ConsumerGroupMetadata, Patience);
        producer.CommitTransaction(Patience);
        producer.BeginTransaction();
        producer.SendOffsetsToTransaction([next[1]], consumer.ConsumerGroupMetadata, Patience);
        producer.AbortTransaction(Patience);

        var committed = consumer.Committed(next.Select(o => o.TopicPartition), Patience).OrderBy(o => o.Partition.Value).ToList();
        consumer.Close();
        Assert.That(committed[0].Offset, Is.EqualTo(next[0].Offset), "stored with the committed transaction");
        Assert.That(committed[1].Offset, Is.EqualTo(Offset.Unset), "an aborted transaction's offsets stay unstored");
        Assert.That(warnings, Is.Empty);
    }
}
