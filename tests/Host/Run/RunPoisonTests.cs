using System.Diagnostics;
using System.Text;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>Bad input records: each goes to the dead-letter topic once, byte for byte, with its headers; the partition keeps flowing.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunPoisonTests
{
    [Test]
    public void Poison_records_never_stall_their_partition_and_reach_the_dead_letter_topic_with_headers()
    {
        const long t = 1_678_886_400_000;
        byte[] Json(string s) => Encoding.UTF8.GetBytes(s);
        var oversized = Json($"{{\"event_type\":\"click\",\"event_id\":\"c-big\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{t},\"metadata\":{{\"pad\":\"{new string('x', 2000)}\"}}}}");
        byte[] invalidUtf8 = [.. Json("{\"event_type\":\"click\",\"event_id\":\"c-"), 0xFF, 0xFE, .. Json("\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1}")];
        var partition0 = new (byte[]? Value, string? Reason)[]
        {
            (Json($"{{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"ad_id\":\"ad-1\",\"source\":\"google\",\"timestamp\":{t}}}"), null),
            (Json("{\"event_type\":"), "invalid_json"),
            ([], "invalid_json"),
            (null, "invalid_json"),
            (invalidUtf8, "invalid_utf8"),
            (oversized, "oversized"),
            (Json($"{{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"value\":19.99,\"timestamp\":{t + 1000}}}"), null),
            (Json("[1,2]"), "not_an_object"),
            (Json($"{{\"event_type\":\"conversion\",\"event_id\":\"v-2\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"timestamp\":{t + 2000}}}"), null),
            // A clock outlier once the partition's event time is set (by its first three events): dead-lettered with its reason.
            (Json("{\"event_type\":\"click\",\"event_id\":\"c-2100\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":4102444800000}"), "clock_skew"),
            (Json("{\"event_type\":\"conversion\",\"event_id\":\"v-3\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"timestamp\":\"soon\"}"), "wrong_type"),
        };
        var partition1 = new[]
        {
            Json($"{{\"event_type\":\"click\",\"event_id\":\"c-9\",\"user_id\":\"u9\",\"campaign_id\":\"k\",\"ad_id\":\"ad-9\",\"source\":\"tiktok\",\"timestamp\":{t}}}"),
            Json($"{{\"event_type\":\"conversion\",\"event_id\":\"v-9\",\"user_id\":\"u9\",\"campaign_id\":\"k\",\"timestamp\":{t + 5}}}"),
        };
        using var cluster = StartCluster(2);
        using (var producer = new ProducerBuilder<string, byte[]?>(KafkaTestClients.Producer(cluster)).Build())
        {
            foreach (var (value, _) in partition0)
            {
                producer.Produce(new TopicPartition(Input, 0), new Message<string, byte[]?> { Key = "u1", Value = value });
            }
            foreach (var value in partition1)
            {
                producer.Produce(new TopicPartition(Input, 1), new Message<string, byte[]?> { Key = "u9", Value = value });
            }
            Assert.That(producer.Flush(KafkaTestClients.Patience), Is.Zero);
        }

        var config = new global::Attribution.Engine.Attribution.AttributionConfig();
        using var host = HostProcess.Start(HostArgs(cluster, config, "poison", "--max-record-bytes", "1024"));
        Assert.That(WaitForCommitted(cluster, [partition0.Length, partition1.Length], TimeSpan.FromSeconds(60), host), Is.True,
            () => $"the host did not get past the poison records; stderr:\n{host.StderrText}");
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);

        var outputs = InputCoordinates(cluster, ReadOutputs(cluster).Select(r => (r.SourcePartition, r.SourceOffset))).Order().ToList();
        Assert.That(outputs, Is.EqualTo(new[] { (0, 6L), (0, 8L), (1, 1L) }), "the conversions after the poison records are attributed, once each");

        var letters = ReadDeadLetters(cluster);
        var expected = partition0.Select((x, i) => (x.Value, x.Reason, Offset: (long)i)).Where(x => x.Reason is not null).ToList();
        Assert.That(letters.Select(l => l.Offset), Is.EqualTo(expected.Select(e => e.Offset)), "each bad record once, in order");
        foreach (var (letter, want) in letters.Zip(expected))
        {
            Assert.That(letter.Headers["reason"], Is.EqualTo(want.Reason), $"reason of offset {want.Offset}");
            // Rejected on input: the input's coordinates. Rejected after re-keying (a clock outlier: event time is per state
            // partition): the repartition record's coordinates, and the input's in input-partition / input-offset.
            bool rekeyed = letter.Headers["source-topic"] == RekeyedVerdict.Topic;
            Assert.That(letter.Headers["source-topic"], rekeyed ? Is.EqualTo(RekeyedVerdict.Topic) : Is.EqualTo(Input));
            Assert.That(letter.Headers[rekeyed ? "input-partition" : "source-partition"], Is.EqualTo("0"));
            Assert.That(letter.Headers[rekeyed ? "input-offset" : "source-offset"], Is.EqualTo(want.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(letter.Value, want.Value is null ? Is.Null : Is.EqualTo(want.Value), $"the record of offset {want.Offset} is kept byte for byte");
            Assert.That(letter.Key, Is.EqualTo("u1"u8.ToArray()));
            // The field a reason is about is named; a reason about the whole record names none.
            Assert.That(letter.Headers.GetValueOrDefault("field"), Is.EqualTo(want.Reason is "wrong_type" or "clock_skew" ? "timestamp" : null), $"field of offset {want.Offset}");
        }
    }

    [Test]
    public void A_record_larger_than_a_Kafka_message_may_be_is_dead_lettered_cut_to_512_KiB_and_its_partition_moves_on()
    {
        const long t = 1_678_886_400_000;
        byte[] Json(string s) => Encoding.UTF8.GetBytes(s);
        // 1.5 MB: more than the producer's and the broker's default message.max.bytes (1,000,000), so its letter
        // could never be produced whole; it got into the input through a producer and topic with higher limits.
        var huge = Json($"{{\"event_type\":\"click\",\"event_id\":\"c-huge\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{t},\"metadata\":\"{new string('m', 1_500_000)}\"}}");
        var records = new[]
        {
            Json($"{{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"ad_id\":\"ad-1\",\"source\":\"google\",\"timestamp\":{t}}}"),
            huge,
            Json($"{{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"u1\",\"campaign_id\":\"k\",\"timestamp\":{t + 1000}}}"),
        };
        using var cluster = StartCluster(1);
        var producerConfig = KafkaTestClients.Producer(cluster);
        producerConfig.MessageMaxBytes = 4_000_000;
        using (var producer = new ProducerBuilder<string, byte[]?>(producerConfig).Build())
        {
            foreach (var value in records)
            {
                producer.Produce(new TopicPartition(Input, 0), new Message<string, byte[]?> { Key = "u1", Value = value });
            }
            Assert.That(producer.Flush(KafkaTestClients.Patience), Is.Zero);
        }
        using var host = HostProcess.Start(HostArgs(cluster, new global::Attribution.Engine.Attribution.AttributionConfig(), "huge", "--kafka", "fetch.max.bytes=8000000", "--kafka", "max.partition.fetch.bytes=4000000"));
        Assert.That(WaitForCommitted(cluster, [records.Length], TimeSpan.FromSeconds(60), host), Is.True,
            () => $"the partition stalled on the huge record; stderr:\n{string.Join("\n", host.Stderr.TakeLast(20))}");
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);

        Assert.That(InputCoordinates(cluster, ReadOutputs(cluster).Select(r => (r.SourcePartition, r.SourceOffset))).Select(x => x.Item2),
            Is.EqualTo(new[] { 2L }), "the conversion after it is attributed once");
        var letter = ReadDeadLetters(cluster).Single();
        Assert.That(letter.Offset, Is.EqualTo(1));
        Assert.That(letter.Headers["reason"], Is.EqualTo("oversized"));
        Assert.That(letter.Headers["original-value-bytes"], Is.EqualTo(huge.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(letter.Value, Is.EqualTo(huge.AsSpan(0, 512 * 1024).ToArray()), "the letter carries the record's first 512 KiB");
    }

    private sealed record Letter(long Offset, byte[]? Key, byte[]? Value, Dictionary<string, string> Headers);

    // An output names the record the engine read: with re-keying (the default) a repartition record, whose copy says which input record it is.
    private static IEnumerable<(int, long)> InputCoordinates(global::Attribution.Testing.Kafka.EmbeddedKafkaCluster cluster, IEnumerable<(int, long)> sources)
    {
        var copies = RekeyedVerdict.ReadCopies(cluster).ToDictionary(c => (c.Partition, c.Offset), c => (c.InputPartition, c.InputOffset));
        return copies.Count == 0 ? sources : sources.Select(s => copies[s]);
    }

    private static List<Letter> ReadDeadLetters(global::Attribution.Testing.Kafka.EmbeddedKafkaCluster cluster) =>
        TopicReadBack.ReadAll<byte[]?, byte[]?, Letter>(cluster, DeadLetters, r =>
        {
            var headers = r.Message.Headers.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()));
            string offset = headers.TryGetValue("input-offset", out var input) ? input : headers["source-offset"];
            return new Letter(long.Parse(offset, System.Globalization.CultureInfo.InvariantCulture), r.Message.Key, r.Message.Value, headers);
        }).OrderBy(l => l.Offset).ToList();
}
