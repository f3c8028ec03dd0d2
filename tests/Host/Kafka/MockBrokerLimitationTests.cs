using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaClientRoundTripTests;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// Where librdkafka 2.16's mock broker differs from Apache Kafka. It speaks the transaction
/// protocol (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn all
/// succeed) but keeps no transaction state: no abort markers, no last-stable-offset, and
/// TxnOffsetCommit offsets are dropped; and it trims each partition to the newest 5 MiB. These
/// tests pin that down, so an upgrade that changes any of it fails here and tells us to revisit
/// Attribution.Testing.Kafka.MockBrokerOffsets and docs/ARCHITECTURE.md.
/// </summary>
[Category(TestCategories.Slow)]
public class MockBrokerLimitationTests
{
    [Test]
    public void Records_flushed_before_an_abort_stay_visible_to_read_committed_consumers()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("leaky", 1);
        var config = Producer(cluster);
        config.TransactionalId = Unique("leaky");
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            producer.InitTransactions(Patience);
            ProduceBatch(producer, "leaky", "aborted", 4);
            Assert.That(producer.Flush(Patience), Is.Zero);
            producer.AbortTransaction(Patience);
            ProduceBatch(producer, "leaky", "committed", 2);
            producer.CommitTransaction(Patience);
        }

        var seen = ReadTopic(cluster, "leaky", 6, IsolationLevel.ReadCommitted).Select(r => r.Message.Value);
        Assert.That(seen, Is.EqualTo(Names("aborted", 4).Concat(Names("committed", 2))),
            "Apache Kafka would hide the aborted records from a read_committed consumer");
    }

    [Test]
    public void Records_of_an_open_transaction_are_visible_before_it_commits()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("open-txn", 1);
        var config = Producer(cluster);
        config.TransactionalId = Unique("open");
        using var producer = new ProducerBuilder<string, string>(config).Build();
        producer.InitTransactions(Patience);
        ProduceBatch(producer, "open-txn", "pending", 3);
        Assert.That(producer.Flush(Patience), Is.Zero);

        var seen = ReadTopic(cluster, "open-txn", 3, IsolationLevel.ReadCommitted).Select(r => r.Message.Value);
        Assert.That(seen, Is.EqualTo(Names("pending", 3)),
            "Apache Kafka would hold these back at the last stable offset until the commit");
        producer.CommitTransaction(Patience);
    }

    [Test]
    public void Offsets_sent_to_a_committed_transaction_are_not_stored_for_the_group()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("txn-offsets", 2);
        ProducePlain(cluster, "txn-offsets", 10);
        using var consumer = new ConsumerBuilder<string, string>(Consumer(cluster, "txn-offsets-group")).Build();
        consumer.Subscribe("txn-offsets");
        var input = ReadAll(consumer, 10, TimeSpan.Zero);
        Assert.That(input, Has.Count.EqualTo(10));
        var next = NextOffsets(input);

        var config = Producer(cluster);
        config.TransactionalId = Unique("offsets");
        using var producer = new ProducerBuilder<string, string>(config).Build();
        producer.InitTransactions(Patience);
        producer.BeginTransaction();
        producer.SendOffsetsToTransaction(next, consumer.ConsumerGroupMetadata, Patience);
        producer.CommitTransaction(Patience);

        var committed = consumer.Committed(next.Select(o => o.TopicPartition), Patience);
        consumer.Close();
        Assert.That(committed.Select(o => o.Offset), Has.All.EqualTo(Offset.Unset),
            "Apache Kafka would store these offsets with the commit");
    }

    [Test]
    public void Each_partition_keeps_only_about_the_newest_5_MiB()
    {
        const int recordBytes = 8 * 1024;
        const int count = 1000; // 8 MiB into one partition
        using var cluster = StartCluster();
        cluster.CreateTopic("trimmed", 1);
        var config = Producer(cluster);
        config.BatchSize = 64 * 1024; // small message sets keep the trim boundary sharp
        using (var producer = new ProducerBuilder<string, byte[]>(config).Build())
        {
            var payload = new byte[recordBytes];
            for (var i = 0; i < count; i++) producer.Produce("trimmed", new Message<string, byte[]> { Key = "k", Value = payload });
            Assert.That(producer.Flush(Patience), Is.Zero);
        }

        using var consumer = new ConsumerBuilder<string, string>(Consumer(cluster, Unique("marks"))).Build();
        var marks = consumer.QueryWatermarkOffsets(new TopicPartition("trimmed", 0), Patience);
        var kept = marks.High.Value - marks.Low.Value;
        TestContext.Out.WriteLine($"low {marks.Low.Value}, high {marks.High.Value}: {kept} records (~{kept * recordBytes / 1024} KiB) kept");
        Assert.That(marks.High.Value, Is.EqualTo(count));
        // 5 MiB is 640 records of 8 KiB; the trim works in whole message sets (about 8 records here).
        Assert.That(kept, Is.InRange(600, 660), "the oldest records were dropped down to about 5 MiB");
    }
}
