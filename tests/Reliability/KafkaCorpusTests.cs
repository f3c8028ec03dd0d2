using System.Diagnostics;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Tests.Host.Kafka;
using Attribution.Tests.Host.Run;
using Confluent.Kafka;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Reliability;

/// <summary>
/// The malformed-input corpus through <c>attribution run</c> on the embedded broker: each bad record goes to the
/// dead-letter topic once with its reason, the good records after it are attributed, and the partition keeps moving.
/// Null and empty Kafka keys and a null Kafka value are mixed in.
/// </summary>
[NonParallelizable]
public class KafkaCorpusTests
{
    /// <summary>The embedded broker keeps at most 5 MiB per partition, so its huge record is 1 MB rather than 10 MB.</summary>
    private const int KafkaHugeBytes = 1_000_000;

    [Test]
    public void Host_dead_letters_every_corpus_record_with_its_reason_and_attributes_the_records_around_it()
    {
        var records = MalformedCorpus.Committed().Where(r => !r.IsMessagePack).ToList();
        records.Add(new CorpusRecord("kafka-null-value", null!, RejectReason.InvalidJson, "a Kafka record without a value"));
        Run(records, "corpus through `attribution run` on the embedded broker (null and empty keys, a null value)", TimeSpan.FromSeconds(60));
    }

    [Test]
    public void Host_with_messagepack_input_dead_letters_every_messagepack_corpus_record_with_its_reason()
    {
        var records = MalformedCorpus.Committed().Where(r => r.IsMessagePack).ToList();
        records.Add(new CorpusRecord("kafka-null-value", null!, RejectReason.InvalidJson, "a Kafka record without a value"));
        Run(records, "MessagePack corpus through `attribution run --input-format msgpack`", TimeSpan.FromSeconds(60), messagePack: true);
    }

    /// <summary>
    /// A record above the broker's message size limit (1,000,000 bytes by default) that still got into the input topic
    /// (its producer and topic allowed it). It must be dead-lettered like any oversized record — its letter cannot carry
    /// all its bytes — and the partition must move on.
    /// </summary>
    [Test]
    public void Record_above_the_brokers_message_size_limit_is_dead_lettered_without_stalling_its_partition()
    {
        var huge = new CorpusRecord("generated-1mb-metadata.json",
            Encoding.UTF8.GetBytes($"{{\"event_type\":\"click\",\"event_id\":\"c-x\",\"user_id\":\"u-x\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1,\"metadata\":\"{new string('m', KafkaHugeBytes)}\"}}"),
            RejectReason.Oversized, "a 1 MB record (record limit 64 KiB, broker message limit 1,000,000 bytes)");
        // The whole corpus commits in about 2 s; 20 s without reaching 3 records is a stalled partition.
        Run([huge], "a 1 MB record (above the broker's message size limit) through `attribution run`", TimeSpan.FromSeconds(20));
    }

    private static void Run(List<CorpusRecord> records, string scenario, TimeSpan patience, bool messagePack = false)
    {
        byte[] Good(byte[] json) => messagePack ? Engine.Codecs.CodecSamples.ToMessagePack(Engine.Codecs.CodecSamples.DecodeJson(Encoding.UTF8.GetString(json))) : json;
        var clock = Stopwatch.StartNew();
        using var cluster = StartCluster(1);
        var expectedLetters = new Dictionary<long, RejectReason>();
        var producerConfig = KafkaTestClients.Producer(cluster);
        producerConfig.MessageMaxBytes = 2 * KafkaHugeBytes;
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(producerConfig).Build())
        {
            var partition = new TopicPartition(Input, 0);
            for (int i = 0; i < records.Count; i++)
            {
                // Every third group has a null key and every third an empty one: the host keys nothing by the input key.
                byte[]? Key(string user) => (i % 3) switch { 0 => Encoding.UTF8.GetBytes(user), 1 => null, _ => [] };
                producer.Produce(partition, new Message<byte[]?, byte[]?> { Key = Key("u-g" + i), Value = Good(MalformedCorpusTests.Click(i)) });
                producer.Produce(partition, new Message<byte[]?, byte[]?> { Key = Key("u-x"), Value = records[i].Bytes });
                producer.Produce(partition, new Message<byte[]?, byte[]?> { Key = Key("u-g" + i), Value = Good(MalformedCorpusTests.Conversion(i)) });
                if (records[i].Expected != RejectReason.None)
                {
                    expectedLetters[3L * i + 1] = records[i].Expected;
                }
            }
            Assert.That(producer.Flush(KafkaTestClients.Patience), Is.Zero, "the corpus is in the input topic");
        }

        var started = Stopwatch.StartNew();
        // The corpus's valid records are stamped months before the clicks around them: the event-time guard's bound goes beyond that.
        using var host = HostProcess.Start(messagePack
            ? HostArgs(cluster, new AttributionConfig(), "corpus", "--input-format", "msgpack", "--max-clock-skew", "400d")
            : HostArgs(cluster, new AttributionConfig(), "corpus", "--max-clock-skew", "400d"));
        bool caughtUp = WaitForCommitted(cluster, [3L * records.Count], patience, host);
        var processing = started.Elapsed;
        host.Terminate();
        int exit = host.WaitForExit(TimeSpan.FromSeconds(30));

        var letters = new Dictionary<long, string>();
        int duplicateLetters = 0;
        foreach (var letter in ReadTopic(cluster, DeadLetters, "source-partition", "source-offset"))
        {
            duplicateLetters += letters.TryAdd(letter.SourceOffset, letter.Reason ?? "(no reason header)") ? 0 : 1;
        }
        var wrong = expectedLetters.Where(kv => letters.GetValueOrDefault(kv.Key) != RejectReasons.Name(kv.Value))
            .Select(kv => $"offset {kv.Key} {records[(int)kv.Key / 3]}: expected {RejectReasons.Name(kv.Value)}, dead letter says {letters.GetValueOrDefault(kv.Key) ?? "nothing"}")
            .Concat(letters.Keys.Where(k => !expectedLetters.ContainsKey(k)).Select(k => $"offset {k} dead-lettered ({letters[k]}) but it is valid"))
            .ToList();
        var outputs = ReadOutputs(cluster).Select(r => r.Value).ToList();
        var (lost, duplicated, extra) = MalformedCorpusTests.CountAttributions(outputs, records.Count);

        ReliabilityReport.Add(new ReliabilityRow("malformed input", scenario, records.Count, clock.Elapsed,
            $"{letters.Count} dead letters of {expectedLetters.Count} expected; wrong or missing reason {wrong.Count}; " +
            (caughtUp ? $"{3 * records.Count} records committed in {processing.TotalSeconds:F1} s" : $"stalled at committed offset {Committed(cluster, 1)[0]} of {3 * records.Count} for {patience.TotalSeconds:F0} s") +
            $"; {host.Stderr.Count(l => l.Contains("transaction aborting", StringComparison.Ordinal))} aborted transactions; exit {exit}",
            lost + wrong.Count, duplicated + duplicateLetters, exit == 0 ? 0 : 1, caughtUp ? 0 : 1, ReliabilityReport.TestCommand(nameof(KafkaCorpusTests))));
        TestContext.Out.WriteLine(string.Join("\n", wrong));
        Assert.That(caughtUp, Is.True, () => $"the partition stopped moving at committed offset {Committed(cluster, 1)[0]} of {3 * records.Count}; stderr:\n{string.Join("\n", host.Stderr.TakeLast(30))}");
        Assert.That(exit, Is.Zero, () => host.StderrText);
        Assert.That(wrong, Is.Empty);
        Assert.That((lost, duplicated, duplicateLetters), Is.EqualTo((0, 0, 0)));
        TestContext.Out.WriteLine($"{outputs.Count} attributions ({extra} from the corpus's valid borderline records)");
    }
}
