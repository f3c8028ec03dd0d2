using System.Text;
using Attribution.Host.Kafka;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;
using Attribution.Tests.Support;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The produce path of the transactional producer, on the embedded broker: attributions and re-keyed copies
/// streamed into an open transaction allocate nothing once warm (they go through librdkafka's own produce), each
/// carries its input coordinates as one 12-byte header that a read_committed consumer reads back after the commit,
/// and a record the broker refuses fails its transaction's commit.
/// </summary>
public class TransactionalSinkTests
{
    private const int Records = 4_000;

    [Test]
    public void Streaming_attributions_and_copies_into_a_transaction_allocates_nothing_per_record_after_warm_up()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var options = Options(cluster);
        using var sink = Sink(options);
        var outputs = Outputs(Records, rekeyed: false);
        var copies = Outputs(Records, rekeyed: true);

        Assert.That(sink.Stream(outputs, copies), Is.EqualTo(TransactionalSink.Outcome.Open), "warm-up: the transaction opens");
        var outcomes = new List<TransactionalSink.Outcome>(3); // sized for the windows: the list allocates nothing while measured
        AllocationGate.AssertSteadyState($"{Records:N0} attributions and {Records:N0} copies streamed into the open transaction on the test thread",
            () => outcomes.Add(sink.Stream(outputs, copies)));
        Assert.That(outcomes, Is.All.EqualTo(TransactionalSink.Outcome.Open));
        sink.AbortOpen();
        Assert.That(sink.InTransaction, Is.False);
    }

    [Test]
    public void Streamed_and_committed_attributions_are_read_back_with_their_input_coordinates()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var options = Options(cluster);
        using var sink = Sink(options);
        var streamed = Outputs(3, rekeyed: false);
        Assert.That(sink.Stream(streamed, null), Is.EqualTo(TransactionalSink.Outcome.Open));
        var last = new PendingOutputs();
        last.Add(partition: 7, offset: 5_000_000_000L, "user-x"u8, "{\"last\":true}"u8);
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(
            Attribution.Tests.Host.Kafka.KafkaTestClients.Consumer(cluster, Attribution.Tests.Host.Kafka.KafkaTestClients.Unique("sink"))).Build();
        Assert.That(sink.Commit(last, [], [], null, consumer.ConsumerGroupMetadata), Is.EqualTo(TransactionalSink.Outcome.Committed));

        var read = RunTestKit.ReadOutputs(cluster).Select(r => (r.SourcePartition, r.SourceOffset, r.Key)).OrderBy(r => r.SourceOffset).ToList();
        Assert.That(read, Is.EqualTo(new[] { (0, 0L, "user-0"), (1, 1L, "user-1"), (2, 2L, "user-2"), (7, 5_000_000_000L, "user-x") }));
    }

    [Test]
    public void A_record_the_broker_refuses_aborts_its_transaction_at_the_commit_and_a_later_one_commits()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var options = Options(cluster);
        using var sink = Sink(options, TestContext.Out);
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(
            Attribution.Tests.Host.Kafka.KafkaTestClients.Consumer(cluster, Attribution.Tests.Host.Kafka.KafkaTestClients.Unique("sink"))).Build();
        Assert.That(sink.Commit(Outputs(4, rekeyed: false), [], [], null, consumer.ConsumerGroupMetadata), Is.EqualTo(TransactionalSink.Outcome.Committed), "connected");

        // The next produce request fails for good (not retriable): librdkafka fails its records and the transaction with them.
        cluster.PushRequestErrors(KafkaApiKey.Produce, Confluent.Kafka.ErrorCode.InvalidRecord);
        Assert.That(sink.Stream(Outputs(4, rekeyed: false), Outputs(4, rekeyed: true)), Is.EqualTo(TransactionalSink.Outcome.Open));
        Assert.That(sink.Commit(new PendingOutputs(), [], [], null, consumer.ConsumerGroupMetadata), Is.EqualTo(TransactionalSink.Outcome.Aborted));
        Assert.That(sink.InTransaction, Is.False);
        // The mock broker keeps the failed records' sequence numbers across librdkafka's epoch bump, so the first
        // transaction after may fail too (skipped sequence numbers); the host redoes aborted work the same way.
        var later = new List<TransactionalSink.Outcome>();
        while (later.Count < 5 && (later.Count == 0 || later[^1] != TransactionalSink.Outcome.Committed))
        {
            later.Add(sink.Commit(Outputs(4, rekeyed: false), [], [], null, consumer.ConsumerGroupMetadata));
        }
        TestContext.Out.WriteLine($"transactions after the abort: {string.Join(", ", later)}");
        Assert.That(later[^1], Is.EqualTo(TransactionalSink.Outcome.Committed), "a later transaction commits");
    }

    [Test]
    public void Records_beyond_a_full_producer_queue_wait_for_room_and_all_commit()
    {
        const int count = 2_000;
        using var cluster = new EmbeddedKafkaCluster();
        // librdkafka refuses a record past 50 queued ones (queue full): the sink must poll and produce it again.
        var options = Options(cluster) with { KafkaProperties = new Dictionary<string, string> { ["queue.buffering.max.messages"] = "50" } };
        using var sink = Sink(options);
        using var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(
            Attribution.Tests.Host.Kafka.KafkaTestClients.Consumer(cluster, Attribution.Tests.Host.Kafka.KafkaTestClients.Unique("sink"))).Build();
        Assert.That(sink.Stream(Outputs(count, rekeyed: false), null), Is.EqualTo(TransactionalSink.Outcome.Open));
        Assert.That(sink.Commit(new PendingOutputs(), [], [], null, consumer.ConsumerGroupMetadata), Is.EqualTo(TransactionalSink.Outcome.Committed));

        var offsets = RunTestKit.ReadOutputs(cluster).Select(r => r.SourceOffset).Order().ToList();
        Assert.That(offsets, Is.EqualTo(Enumerable.Range(0, count).Select(i => (long)i)), "each record once");
    }

    private static RunOptions Options(EmbeddedKafkaCluster cluster)
    {
        cluster.CreateTopic(RunTestKit.Output, 4);
        cluster.CreateTopic(RunTestKit.DeadLetters, 1);
        cluster.CreateTopic("repartition", 4);
        return new RunOptions
        {
            BootstrapServers = cluster.BootstrapServers,
            OutputTopic = RunTestKit.Output,
            DeadLetterTopic = RunTestKit.DeadLetters,
            RepartitionTopicName = "repartition",
            HostId = Attribution.Tests.Host.Kafka.KafkaTestClients.Unique("sink"),
        };
    }

    private static TransactionalSink Sink(RunOptions options, TextWriter? log = null)
    {
        var sink = new TransactionalSink(options, new RunLog(log ?? TextWriter.Null), new PipelineStats(), KafkaSupplier.Default, _ => { });
        Assert.That(sink.Initialize(), Is.Null, "the transactional producer starts");
        return sink;
    }

    // Records of the sizes the engine writes: a user id key and an attribution (or the input line) as value.
    private static PendingOutputs Outputs(int count, bool rekeyed)
    {
        var buffer = new PendingOutputs();
        for (int i = 0; i < count; i++)
        {
            var key = Encoding.ASCII.GetBytes($"user-{i}");
            var value = Encoding.ASCII.GetBytes($"{{\"conversion_id\":\"c-{i}\",\"click_id\":\"k-{i}\",\"campaign_id\":\"camp-{i % 50}\"}}");
            buffer.Add(i % 4, i, key, value, rekeyed ? i % 4 : -1, rekeyed ? 1_700_000_000_000L + i : 0);
        }
        return buffer;
    }
}
