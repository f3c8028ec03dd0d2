using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using Attribution.Engine.Attribution;
using Attribution.Host.Demo;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The operator's librdkafka properties reaching the real clients of a running host on the embedded broker:
/// client.id in librdkafka's own lines, <c>debug</c> output in the log, a <c>consumer.</c> property on the consumer
/// only, and <c>statistics.interval.ms</c> feeding the metrics.
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunKafkaClientTests
{
    /// <summary>A host run in this process until <paramref name="until"/> holds for its log (or the patience runs out); returns the log.</summary>
    private static string RunHostUntil(EmbeddedKafkaCluster cluster, string hostId, string[] extra, Func<string, bool> until)
    {
        var writer = new StringWriter();
        var stderr = TextWriter.Synchronized(writer);
        using var stop = new CancellationTokenSource();
        var args = RunTestKit.HostArgs(cluster, new AttributionConfig(), hostId, extra).Skip(1).ToArray(); // RunCommand adds "run"
        var env = new Dictionary<string, string> { [TestBrokerSwitch.Variable] = "1" };
        var host = Task.Run(() => RunCommand.Run(args, env, stderr, stop.Token));
        var clock = Stopwatch.StartNew();
        while (!until(writer.ToString()) && clock.Elapsed < TimeSpan.FromSeconds(60) && !host.IsCompleted)
        {
            Thread.Sleep(100);
        }
        stop.Cancel();
        Assert.That(host.Wait(TimeSpan.FromSeconds(40)), Is.True, "the host stops");
        Assert.That(host.Result, Is.Zero, writer.ToString);
        return writer.ToString();
    }

    [Test]
    public void Client_id_and_debug_reach_librdkafka_and_a_consumer_property_reaches_the_consumer_only()
    {
        using var cluster = RunTestKit.StartCluster(2);
        string log = RunHostUntil(cluster, "ids", ["--kafka", "client.id=team-attrib", "--kafka", "consumer.debug=broker", "--log-level", "debug"],
            text => text.Contains("client=team-attrib-consumer#consumer-", StringComparison.Ordinal) && text.Contains("assigned", StringComparison.Ordinal));
        var kafkaDebug = log.Split('\n').Where(l => l.Contains(" debug kafka ", StringComparison.Ordinal)).ToList();
        TestContext.Out.WriteLine($"{kafkaDebug.Count} librdkafka debug lines; first: {kafkaDebug.FirstOrDefault()}");
        // The broker debug context logs each connection attempt (facility CONNECT) — only on clients that have it.
        bool Connects(string client) => kafkaDebug.Any(l => l.Contains($"client={client}#", StringComparison.Ordinal) && l.Contains("facility=CONNECT ", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(Connects("team-attrib-consumer"), Is.True, "the group consumer has debug=broker and its client.id");
            Assert.That(Connects("team-attrib-producer"), Is.False, "consumer.debug does not reach the producer");
            Assert.That(log, Does.Not.Contain("client=attribution-ids"), "no client keeps the host's own id once client.id is given");
        });
    }

    [Test]
    public void Statistics_interval_feeds_broker_round_trip_consumer_lag_and_producer_queue_metrics()
    {
        using var cluster = RunTestKit.StartCluster(2);
        using (var producer = new ProducerBuilder<string, string>(KafkaTestClients.Producer(cluster)).Build())
        {
            for (int i = 0; i < 20; i++)
            {
                producer.Produce(new TopicPartition(RunTestKit.Input, i % 2), new Message<string, string> { Key = "u" + i, Value = "not json " + i });
            }
            Assert.That(producer.Flush(KafkaTestClients.Patience), Is.Zero);
        }
        int port = RunTestKit.FreePort();
        string metrics = "";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        RunHostUntil(cluster, "stats", ["--kafka", "statistics.interval.ms=200", "--metrics-port", port.ToString(CultureInfo.InvariantCulture)], _ =>
        {
            try
            {
                metrics = http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
            }
            catch (HttpRequestException)
            {
                return false;
            }
            return metrics.Contains("attribution_kafka_consumer_lag_records{", StringComparison.Ordinal)
                && metrics.Contains("attribution_kafka_producer_queue_messages{", StringComparison.Ordinal)
                && metrics.Contains("attribution_kafka_broker_rtt_seconds{client=\"attribution-stats#producer", StringComparison.Ordinal);
        });
        TestContext.Out.WriteLine(string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("attribution_kafka_", StringComparison.Ordinal)).Take(20)));
        Assert.Multiple(() =>
        {
            Assert.That(metrics, Does.Match(@"attribution_kafka_statistics_reports_total\{client=""attribution-stats#consumer-\d+""\} [1-9]"));
            Assert.That(metrics, Does.Match(@"attribution_kafka_broker_rtt_seconds\{client=""attribution-stats#consumer-\d+"",broker=""127\.0\.0\.1:\d+""\} \d"));
            Assert.That(metrics, Does.Match(@"attribution_kafka_consumer_lag_records\{client=""attribution-stats#consumer-\d+"",topic=""raw-events"",partition=""[01]""\} \d"));
            Assert.That(metrics, Does.Match(@"attribution_kafka_producer_queue_messages\{client=""attribution-stats#producer-\d+""\} \d"));
            Assert.That(metrics, Does.Contain("attribution_kafka_broker_tx_errors_total{"));
        });
    }
}
