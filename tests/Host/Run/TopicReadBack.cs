using Attribution.Testing.Kafka;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>Reads every partition of a topic from its start to its end, as a downstream read_committed consumer would.</summary>
internal static class TopicReadBack
{
    /// <summary>Each record of <paramref name="topic"/>, mapped by <paramref name="map"/>, partition after partition as they arrive.</summary>
    public static List<T> ReadAll<TKey, TValue, T>(KafkaTestCluster cluster, string topic, Func<ConsumeResult<TKey, TValue>, T> map)
    {
        var config = KafkaTestClients.Consumer(cluster, KafkaTestClients.Unique("read-back"));
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<TKey, TValue>(config).Build();
        using var admin = new AdminClientBuilder(cluster.Apply(new AdminClientConfig())).Build();
        var partitions = admin.GetMetadata(topic, KafkaTestClients.Patience).Topics[0].Partitions.Select(p => p.PartitionId).ToList();
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var open = partitions.ToHashSet();
        var records = new List<T>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (open.Count > 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(KafkaTestClients.Patience), $"reading {topic} back did not reach its end");
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null)
            {
                continue;
            }
            if (r.IsPartitionEOF)
            {
                open.Remove(r.Partition.Value);
                continue;
            }
            records.Add(map(r));
        }
        consumer.Close();
        return records;
    }
}
