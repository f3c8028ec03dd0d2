using Attribution.Host.Kafka;
using Attribution.Testing.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaClientRoundTripTests;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// The embedded broker's offsets shim (<see cref="MockBrokerOffsets"/>): the offsets a committed transaction
/// carried are stored for the group, those of an aborted one are not (the broker alone stores neither:
/// MockBrokerLimitationTests); and a member the group evicted gets its transaction refused, as KIP-447 does on Kafka.
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

    [Test]
    [Category(TestCategories.Slow)] // the evicted consumer rejoins after its session timeout
    public void Transaction_of_a_member_the_group_evicted_produces_nothing_and_fails_like_a_fenced_one()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("fence-in", 1);
        cluster.CreateTopic("fence-out", 1);
        ProducePlain(cluster, "fence-in", 4);
        var warnings = new List<string>();
        var shim = new MockBrokerOffsets(warnings.Add, Patience);
        using var consumer = shim.Consumer(new ConsumerBuilder<string, string>(Consumer(cluster, "fence-group")).Build());
        consumer.Subscribe("fence-in");
        var next = NextOffsets(ReadAll(consumer, 4, TimeSpan.Zero));
        var config = Producer(cluster);
        config.TransactionalId = Unique("fence");
        using var producer = shim.Producer(new ProducerBuilder<string, string>(config).Build());
        producer.InitTransactions(Patience);

        // The broker answers the shim's membership probe as it answers a member whose session ran out.
        cluster.PushRequestErrors(KafkaApiKey.OffsetCommit, ErrorCode.UnknownMemberId);
        producer.BeginTransaction();
        producer.Produce("fence-out", new Message<string, string> { Key = "k", Value = "from an evicted member" });
        using (var native = new NativeProducer(producer))
        {
            // The host produces past the wrapper, through librdkafka on the same handle: refused as well.
            var outside = Assert.Throws<KafkaException>(() => native.TryProduce(native.Topic("fence-out"), -1, "k"u8, "natively, from an evicted member"u8, 0, "h\0"u8, "v"u8))!;
            Assert.That(outside.Error.Code, Is.EqualTo(ErrorCode.Local_State));
        }
        var refused = Assert.Throws<KafkaException>(() => producer.SendOffsetsToTransaction(next, consumer.ConsumerGroupMetadata, Patience))!;
        Assert.That(refused.Error.Code, Is.EqualTo(ErrorCode.UnknownMemberId));
        Assert.Throws<KafkaException>(() => producer.CommitTransaction(Patience), "nor can it commit");
        producer.AbortTransaction(Patience);

        // A member again once its consumer has rejoined (it polls, as the host's source loop does): its next
        // transaction goes through as usual.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
            producer.BeginTransaction();
            producer.Produce("fence-out", new Message<string, string> { Key = "k", Value = "from a member" });
            try
            {
                producer.SendOffsetsToTransaction(next, consumer.ConsumerGroupMetadata, Patience);
                producer.CommitTransaction(Patience);
                break;
            }
            catch (KafkaException e) when (e.Error.Code == ErrorCode.UnknownMemberId && clock.Elapsed < Patience)
            {
                producer.AbortTransaction(Patience);
            }
        }

        // read_uncommitted: the mock would show an aborted transaction's records, so none may have reached it.
        var output = ReadTopic(cluster, "fence-out", 1, IsolationLevel.ReadUncommitted, quietSeconds: 1);
        consumer.Close();
        Assert.That(output.Select(r => r.Message.Value), Is.EqualTo(new[] { "from a member" }));
        Assert.That(warnings, Has.Some.Contains("fenced_like_kip447"));
    }
}
