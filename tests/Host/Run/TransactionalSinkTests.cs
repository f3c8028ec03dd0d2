using System.Text;
using Attribution.Host.Kafka;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;
using Attribution.Tests.Support;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The produce path of the transactional producer, on the embedded broker: attributions and re-keyed copies
/// streamed into an open transaction allocate nothing of their own per record once warm (only the header name that
/// Confluent.Kafka encodes on every Produce), and each carries its input
/// coordinates as one 12-byte header that a read_committed consumer reads back after the commit.
/// </summary>
public class TransactionalSinkTests
{
    private const int Records = 4_000;

    [Test]
    public void Streaming_attributions_and_copies_into_a_transaction_allocates_only_the_header_name_per_record_after_warm_up()
    {
        using var cluster = new EmbeddedKafkaCluster();
        var options = Options(cluster);
        using var sink = Sink(options);
        var outputs = Outputs(Records, rekeyed: false);
        var copies = Outputs(Records, rekeyed: true);

        Assert.That(sink.Stream(outputs, copies), Is.EqualTo(TransactionalSink.Outcome.Open), "warm-up: the transaction opens");
        var one = Outputs(1, rekeyed: false);
        var oneCopy = Outputs(1, rekeyed: true);
        Assert.That(sink.Stream(one, oneCopy), Is.EqualTo(TransactionalSink.Outcome.Open));
        // Confluent.Kafka's Produce encodes each header's name into a new array on every call (its only per-record
        // allocation left here): what one such array costs, measured, is all a record may allocate. A call also
        // allocates a little of its own (per batch), which the one-record call measures.
        long names = AllocationGate.Measure(() => Encoding.UTF8.GetBytes(RunHeaders.Source)) + AllocationGate.Measure(() => Encoding.UTF8.GetBytes(RunHeaders.Input));
        var windows = new List<(long Many, long One)>();
        for (int w = 0; w < 3 && (windows.Count == 0 || windows[^1].Many - windows[^1].One != (Records - 1) * names); w++)
        {
            long before = AllocationGate.ThreadBytes();
            Assert.That(sink.Stream(outputs, copies), Is.EqualTo(TransactionalSink.Outcome.Open));
            long many = AllocationGate.ThreadBytes() - before;
            before = AllocationGate.ThreadBytes();
            Assert.That(sink.Stream(one, oneCopy), Is.EqualTo(TransactionalSink.Outcome.Open));
            windows.Add((many, AllocationGate.ThreadBytes() - before));
        }
        string measured = $"{Records:N0} attributions and {Records:N0} copies produced on the test thread: " +
            $"{string.Join(", ", windows.Select(b => $"{b.Many:N0} B (one of each: {b.One:N0} B)"))} allocated window by window; " +
            $"the header names Confluent.Kafka encodes take {names} B per attribution and copy";
        TestContext.Out.WriteLine(measured);
        Assert.That(windows[^1].Many - windows[^1].One, Is.EqualTo((Records - 1) * names), measured);
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

    private static TransactionalSink Sink(RunOptions options)
    {
        var sink = new TransactionalSink(options, new RunLog(TextWriter.Null), new PipelineStats(), KafkaSupplier.Default, _ => { });
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
