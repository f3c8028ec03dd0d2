using System.Text;
using Attribution.Host.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// The partitioner prediction: Kafka's published murmur2 vectors, and every partition a real librdkafka producer
/// picked (read from its delivery reports against the embedded broker) predicted by our functions.
/// </summary>
public class KafkaPartitionerTests
{
    // Kafka's published vectors: apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java,
    // testMurmur2 (Utils.murmur2 of the key's bytes, as a Java int).
    private static readonly (string Key, int Hash)[] KafkaVectors =
    [
        ("21", -973932308),
        ("foobar", -790332482),
        ("a-little-bit-long-string", -985981536),
        ("a-little-bit-longer-string", -1486304829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
        ("abc", 479470107),
    ];

    private const int Partitions = 7;
    private const int Records = 2_000;

    [Test]
    public void Murmur2_hash_matches_Kafkas_published_vectors()
    {
        foreach (var (key, hash) in KafkaVectors)
        {
            Assert.That((int)KafkaPartitioner.Murmur2Hash(Encoding.ASCII.GetBytes(key)), Is.EqualTo(hash), key);
        }
    }

    [Test]
    public void Murmur2_partition_is_the_hash_with_its_sign_bit_cleared_mod_partitions()
    {
        foreach (var (key, hash) in KafkaVectors)
        {
            Assert.That(KafkaPartitioner.Murmur2(Encoding.ASCII.GetBytes(key), 13), Is.EqualTo((hash & 0x7fffffff) % 13), key);
        }
    }

    [Test]
    public void A_partition_count_below_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => KafkaPartitioner.Murmur2("u"u8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KafkaPartitioner.Crc32Consistent("u"u8, -1));
    }

    [TestCase(InputPartitioner.Murmur2)]
    [TestCase(InputPartitioner.Consistent)]
    [Category(TestCategories.Slow)]
    public void Every_partition_a_librdkafka_producer_picks_is_predicted(InputPartitioner partitioner)
    {
        var random = new Random(TestSeed.Get());
        byte[][] keys = Enumerable.Range(0, Records).Select(_ => RandomKey(random)).ToArray();
        int[] picked = ProduceAndReadPartitions(keys, partitioner == InputPartitioner.Murmur2 ? Partitioner.Murmur2Random : Partitioner.ConsistentRandom);

        var wrong = new List<string>();
        int otherAgrees = 0;
        var other = partitioner == InputPartitioner.Murmur2 ? InputPartitioner.Consistent : InputPartitioner.Murmur2;
        for (int i = 0; i < keys.Length; i++)
        {
            int predicted = KafkaPartitioner.Partition(partitioner, keys[i], Partitions);
            if (predicted != picked[i])
            {
                wrong.Add($"key {Convert.ToHexString(keys[i])}: producer {picked[i]}, predicted {predicted}");
            }
            if (KafkaPartitioner.Partition(other, keys[i], Partitions) == picked[i])
            {
                otherAgrees++;
            }
        }
        TestContext.Out.WriteLine($"{keys.Length} records, {wrong.Count} mispredicted; the other partitioner agrees on {otherAgrees}");
        Assert.That(wrong, Is.Empty, $"{wrong.Count} of {keys.Length} mispredicted, e.g. {string.Join("; ", wrong.Take(5))}");
        Assert.That(picked.Distinct().Count(), Is.EqualTo(Partitions), "the keys spread over every partition");
        // About 1 in 7 by chance: the check tells the two functions apart, so it would catch the wrong one.
        Assert.That(otherAgrees, Is.LessThan(keys.Length / 3), $"{other} predicts the producer's choice only by chance");
    }

    // ASCII, 2- to 4-byte UTF-8 and raw binary keys of 1..60 characters (bytes for the binary ones).
    private static byte[] RandomKey(Random random)
    {
        int length = random.Next(1, 61);
        switch (random.Next(4))
        {
            case 0:
                return Encoding.ASCII.GetBytes(Enumerable.Range(0, length).Select(_ => (char)random.Next(0x20, 0x7f)).ToArray());
            case 1:
                var text = new StringBuilder();
                for (int i = 0; i < length; i++)
                {
                    int pick = random.Next(4);
                    text.Append(pick switch
                    {
                        0 => ((char)random.Next('a', 'z' + 1)).ToString(),
                        1 => ((char)random.Next(0xc0, 0x250)).ToString(), // Latin: 2 bytes
                        2 => ((char)random.Next(0x4e00, 0x9fa0)).ToString(), // CJK: 3 bytes
                        _ => char.ConvertFromUtf32(random.Next(0x1f300, 0x1f650)), // emoji: 4 bytes
                    });
                }
                return Encoding.UTF8.GetBytes(text.ToString());
            case 2:
                return Encoding.UTF8.GetBytes("user-" + random.Next(0, 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture));
            default:
                var bytes = new byte[length];
                random.NextBytes(bytes);
                return bytes;
        }
    }

    // Produces each key once with the given default partitioner and returns the partition of each delivery report.
    private static int[] ProduceAndReadPartitions(byte[][] keys, Partitioner partitioner)
    {
        using var cluster = StartCluster();
        string topic = Unique("keys");
        cluster.CreateTopic(topic, Partitions);
        var config = Producer(cluster);
        config.Partitioner = partitioner;
        var picked = new int[keys.Length];
        Array.Fill(picked, -1);
        int failures = 0;
        using (var producer = new ProducerBuilder<byte[], byte[]>(config).Build())
        {
            for (int i = 0; i < keys.Length; i++)
            {
                int index = i;
                producer.Produce(topic, new Message<byte[], byte[]> { Key = keys[i], Value = [] }, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failures);
                    }
                    else
                    {
                        Volatile.Write(ref picked[index], report.Partition.Value);
                    }
                });
            }
            Assert.That(producer.Flush(Patience), Is.Zero, "all records delivered before the deadline");
        }
        Assert.That(failures, Is.Zero, "delivery failures");
        Assert.That(picked, Has.None.EqualTo(-1), "a delivery report for every record");
        return picked;
    }
}
