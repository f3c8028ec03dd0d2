using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Host.Kafka;
using Attribution.Testing.Kafka;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Kafka;

/// <summary>The host's batch consumption through librdkafka's queue API, on the embedded broker.</summary>
public unsafe class BatchConsumerTests
{
    private const int Partitions = 4;

    [Test]
    public void Batch_consume_hands_every_record_with_its_partition_offset_key_value_timestamp_and_headers()
    {
        using var cluster = KafkaTestClients.StartCluster();
        string topic = KafkaTestClients.Unique("batch-fields");
        cluster.CreateTopic(topic, Partitions);
        var sent = new Dictionary<(int, long), (string? Key, string? Value, long Ts, string? Header)>();
        using (var producer = new ProducerBuilder<string?, string?>(KafkaTestClients.Producer(cluster)).Build())
        {
            for (int i = 0; i < 500; i++)
            {
                string? key = i % 7 == 0 ? null : $"k{i}";
                string? value = i % 11 == 0 ? null : $"{{\"n\":{i}}}";
                string? header = i % 3 == 0 ? $"{i * 10}" : null;
                var message = new Message<string?, string?> { Key = key, Value = value, Timestamp = new Timestamp(1_700_000_000_000 + i, TimestampType.CreateTime) };
                if (header is not null)
                {
                    message.Headers = new Headers { { "input-offset", Encoding.UTF8.GetBytes("0") }, { "input-offset", Encoding.UTF8.GetBytes(header) } };
                }
                var r = producer.ProduceAsync(new TopicPartition(topic, i % Partitions), message).GetAwaiter().GetResult();
                sent[(r.Partition.Value, r.Offset.Value)] = (key, value, message.Timestamp.UnixTimestampMs, header);
            }
        }
        int assignedCalls = 0;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClients.Consumer(cluster, KafkaTestClients.Unique("batch")))
            .SetPartitionsAssignedHandler((_, _) => assignedCalls++).Build();
        consumer.Subscribe(topic);
        var seen = new Dictionary<(int, long), (string? Key, string? Value, long Ts, string? Header)>();
        byte[] headerName = Encoding.UTF8.GetBytes("input-offset\0");
        using (var batch = new BatchConsumer(consumer, topic))
        {
            var deadline = DateTime.UtcNow + KafkaTestClients.Patience;
            while (seen.Count < sent.Count && DateTime.UtcNow < deadline)
            {
                batch.Poll(100);
                RdKafkaNative.Message* m;
                while ((m = batch.Next()) is not null)
                {
                    Assert.That(m->Err, Is.Zero, "no error message");
                    Assert.That(batch.IsInput(m), Is.True, "the subscribed topic is recognised by its handle");
                    string? header = batch.TryHeader(m, headerName, out var h) ? Encoding.UTF8.GetString(h) : null;
                    seen[(m->Partition, m->Offset)] = (Text(m->Key, m->KeyLen), Text(m->Payload, m->Len), batch.Timestamp(m), header);
                }
            }
        }
        consumer.Close();
        Assert.That(assignedCalls, Is.GreaterThan(0), "the rebalance callback ran while the batch poll served the queue");
        Assert.That(seen, Is.EquivalentTo(sent), "every record once, with its fields as produced (the last of a repeated header)");
    }

    [Test]
    public void Batch_consume_into_the_engine_allocates_nothing_per_record_in_steady_state()
    {
        var (config, items) = StreamGenerator.Generate(TestSeed.Get(), 60_000, includeBadLines: false);
        byte[][] lines = items.Where(i => i.Kind != SimKind.Expire).Select(CodecSimEventDecoders.Render).ToArray();
        using var cluster = KafkaTestClients.StartCluster();
        string topic = KafkaTestClients.Unique("batch-alloc");
        cluster.CreateTopic(topic, Partitions);
        using (var producer = new ProducerBuilder<Null, byte[]>(KafkaTestClients.Producer(cluster)).Build())
        {
            for (int i = 0; i < lines.Length; i++)
            {
                producer.Produce(new TopicPartition(topic, i % Partitions), new Message<Null, byte[]> { Value = lines[i] });
            }
            producer.Flush(KafkaTestClients.Patience);
        }
        var consumerConfig = new ConsumerConfig(ConsumerDefaults.With(new Dictionary<string, string>()));
        foreach (var (k, v) in KafkaTestClients.Consumer(cluster, KafkaTestClients.Unique("batch-alloc")))
        {
            consumerConfig.Set(k, v);
        }
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(consumerConfig).Build();
        consumer.Subscribe(topic);
        using var engine = new AttributionEngine(new EngineOptions { Attribution = config, Shards = 2 }, new CollectingOutput());
        using var batch = new BatchConsumer(consumer, topic);
        int submitted = 0;
        long lastTimestamp = 0;
        bool late = false;
        void Drain(int records)
        {
            int target = submitted + records;
            long deadline = Environment.TickCount64 + (long)KafkaTestClients.Patience.TotalMilliseconds;
            while (submitted < target && Environment.TickCount64 < deadline)
            {
                batch.Poll(100);
                RdKafkaNative.Message* m;
                while ((m = batch.Next()) is not null)
                {
                    if (m->Err == 0 && batch.IsInput(m))
                    {
                        engine.SubmitPlaced(new ReadOnlySpan<byte>(m->Payload, (int)m->Len), out _, out _, m->Offset, m->Partition, WireFormat.Json, null, false);
                        lastTimestamp = batch.Timestamp(m);
                        submitted++;
                    }
                }
            }
            late |= submitted < target;
        }
        Drain(10_000); // warm-up: assignment, JIT tiers, the engine's pages
        AllocationGate.AssertSteadyState("4,096+ records polled in batches and submitted, on the consuming thread", () => Drain(4_096));
        Assert.That(late, Is.False, "every window's records arrived in time");
        Assert.That(lastTimestamp, Is.GreaterThan(0), "timestamps were read");
        batch.Dispose();
        consumer.Close();
    }

    private static string? Text(byte* p, nuint length) => p is null ? null : Encoding.UTF8.GetString(p, (int)length);
}
