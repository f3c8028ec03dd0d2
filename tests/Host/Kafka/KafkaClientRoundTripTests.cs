using Attribution.Testing.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>Real Confluent.Kafka clients against the embedded broker: groups, transactions, offsets.</summary>
[Category(TestCategories.Slow)]
public class KafkaClientRoundTripTests
{
    [Test]
    public void Keyed_records_come_back_through_a_consumer_group_in_partition_order()
    {
        const int count = 10_000;
        using var cluster = StartCluster();
        cluster.CreateTopic("keyed", partitions: 4);

        using (var producer = new ProducerBuilder<string, string>(Producer(cluster)).Build())
        {
            var failures = 0;
            for (var i = 0; i < count; i++)
            {
                producer.Produce("keyed", new Message<string, string> { Key = $"user-{i % 101}", Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    report => { if (report.Error.IsError) Interlocked.Increment(ref failures); });
            }
            Assert.That(producer.Flush(Patience), Is.Zero, "all records delivered before the deadline");
            Assert.That(failures, Is.Zero);
        }

        using var consumer = new ConsumerBuilder<string, string>(Consumer(cluster, "keyed-readers")).Build();
        consumer.Subscribe("keyed");
        var records = ReadAll(consumer, count, TimeSpan.FromMilliseconds(500));
        consumer.Close();

        Assert.That(records, Has.Count.EqualTo(count), "every record once, no duplicates");
        var values = records.Select(r => int.Parse(r.Message.Value, System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray();
        Assert.That(values, Is.EqualTo(Enumerable.Range(0, count)));

        var partitions = records.GroupBy(r => r.Partition.Value).ToArray();
        Assert.That(partitions, Has.Length.EqualTo(4), "keys spread over all four partitions");
        foreach (var partition in partitions)
        {
            var offsets = partition.Select(r => r.Offset.Value).ToArray();
            Assert.That(offsets, Is.EqualTo(Enumerable.Range(0, offsets.Length).Select(o => (long)o)), $"partition {partition.Key} read in offset order");
        }
        foreach (var key in records.GroupBy(r => r.Message.Key))
        {
            Assert.That(key.Select(r => r.Partition.Value).Distinct().Count(), Is.EqualTo(1), $"{key.Key} stays in one partition");
            var sequence = key.Select(r => int.Parse(r.Message.Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.That(sequence, Is.Ordered.Ascending, $"{key.Key} keeps its produce order");
        }
    }

    [Test]
    public void Committed_transactions_reach_a_read_committed_consumer_in_order()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("txn-out", partitions: 1);

        var config = Producer(cluster);
        config.TransactionalId = Unique("txn");
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            producer.InitTransactions(Patience);
            ProduceBatch(producer, "txn-out", "first", 5);
            producer.CommitTransaction(Patience);
            ProduceBatch(producer, "txn-out", "second", 3);
            producer.CommitTransaction(Patience);
        }

        var committed = ReadTopic(cluster, "txn-out", 8).Select(r => r.Message.Value).ToArray();
        Assert.That(committed, Is.EqualTo(Names("first", 5).Concat(Names("second", 3))));
    }

    [Test]
    public void Transactional_read_process_write_cycle_completes_against_the_embedded_broker()
    {
        const int inputCount = 20;
        using var cluster = StartCluster();
        cluster.CreateTopic("eos-in", partitions: 2);
        cluster.CreateTopic("eos-out", partitions: 2);
        ProducePlain(cluster, "eos-in", inputCount);

        using var consumer = new ConsumerBuilder<string, string>(Consumer(cluster, "eos-group")).Build();
        consumer.Subscribe("eos-in");
        var input = ReadAll(consumer, inputCount, TimeSpan.Zero);
        Assert.That(input, Has.Count.EqualTo(inputCount));

        var config = Producer(cluster);
        config.TransactionalId = Unique("eos");
        using var producer = new ProducerBuilder<string, string>(config).Build();
        producer.InitTransactions(Patience);
        producer.BeginTransaction();
        foreach (var r in input) producer.Produce("eos-out", new Message<string, string> { Key = r.Message.Key, Value = "out-" + r.Message.Value });
        // AddOffsetsToTxn + TxnOffsetCommit + EndTxn all answered without error.
        Assert.DoesNotThrow(() => producer.SendOffsetsToTransaction(NextOffsets(input), consumer.ConsumerGroupMetadata, Patience));
        Assert.DoesNotThrow(() => producer.CommitTransaction(Patience));
        consumer.Close();

        var output = ReadTopic(cluster, "eos-out", inputCount).Select(r => r.Message.Value).Order().ToArray();
        Assert.That(output, Is.EqualTo(input.Select(r => "out-" + r.Message.Value).Order()));
    }

    [Test]
    public void Plain_offset_commits_are_stored_and_a_restarted_group_member_resumes_after_them()
    {
        const int total = 30;
        using var cluster = StartCluster();
        cluster.CreateTopic("resume", partitions: 2);
        ProducePlain(cluster, "resume", total);

        // After a member leaves, the mock holds the group in a rebalance for the last joiner's
        // session.timeout.ms - 1 s (Kafka would not wait), so both members keep it short.
        var config = Consumer(cluster, "resume-group");
        config.SessionTimeoutMs = 3000;
        config.HeartbeatIntervalMs = 500;

        List<ConsumeResult<string, string>> first;
        using (var consumer = new ConsumerBuilder<string, string>(config).Build())
        {
            consumer.Subscribe("resume");
            first = ReadAll(consumer, total, TimeSpan.Zero);
            Assert.That(first, Has.Count.EqualTo(total));
            // Commit only the first half of each partition.
            var half = first.GroupBy(r => r.TopicPartition)
                .Select(g => new TopicPartitionOffset(g.Key, g.Min(r => r.Offset.Value) + g.Count() / 2)).ToList();
            consumer.Commit(half);
            var stored = consumer.Committed(half.Select(o => o.TopicPartition), Patience);
            Assert.That(stored.OrderBy(o => o.Partition.Value).Select(o => o.Offset),
                Is.EqualTo(half.OrderBy(o => o.Partition.Value).Select(o => o.Offset)));
            consumer.Close();
        }

        using var restarted = new ConsumerBuilder<string, string>(config).Build();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        restarted.Subscribe("resume");
        var expected = first.GroupBy(r => r.TopicPartition).SelectMany(g => g.Skip(g.Count() / 2)).Select(r => r.Message.Value).Order().ToArray();
        var second = ReadAll(restarted, expected.Length, TimeSpan.FromMilliseconds(500)).Select(r => r.Message.Value).Order().ToArray();
        TestContext.Out.WriteLine($"restarted member read its records after {clock.ElapsedMilliseconds} ms (incl. 500 ms quiet)");
        restarted.Close();
        Assert.That(second, Is.EqualTo(expected));
    }

    internal static List<TopicPartitionOffset> NextOffsets(IEnumerable<ConsumeResult<string, string>> consumed)
    {
        return consumed.GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)).ToList();
    }

    internal static void ProducePlain(EmbeddedKafkaCluster cluster, string topic, int count)
    {
        using var plain = new ProducerBuilder<string, string>(Producer(cluster)).Build();
        for (var i = 0; i < count; i++) plain.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"in-{i}" });
        Assert.That(plain.Flush(Patience), Is.Zero);
    }

    internal static void ProduceBatch(IProducer<string, string> producer, string topic, string prefix, int count)
    {
        producer.BeginTransaction();
        foreach (var value in Names(prefix, count))
        {
            producer.Produce(topic, new Message<string, string> { Key = prefix, Value = value });
        }
    }

    internal static IEnumerable<string> Names(string prefix, int count) => Enumerable.Range(0, count).Select(i => $"{prefix}-{i}");
}
