using Attribution.Host.Kafka;
using Prometheus;

namespace Attribution.Tests.Host.Kafka;

/// <summary>What librdkafka's statistics callback may hand over that is not a report: skipped, never thrown on its thread.</summary>
public class KafkaStatisticsMetricsTests
{
    [TestCase("")]
    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("{\"type\":\"consumer\"}")]
    [TestCase("{\"name\":\"c#consumer-1\",\"brokers\":{\"b/1\":{\"nodeid\":\"one\",\"rtt\":7}},\"topics\":{\"t\":{\"partitions\":3}}}")]
    public void Text_that_is_not_a_statistics_report_updates_nothing_and_does_not_throw(string json)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new KafkaStatisticsMetrics(registry);
        bool read = false;
        Assert.DoesNotThrow(() => read = metrics.Update(json));
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        string text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.That(text, Does.Not.Contain("attribution_kafka_broker_rtt_seconds{"), "no broker figures from a malformed report");
        Assert.That(read, Is.EqualTo(json.StartsWith("{\"name\"", StringComparison.Ordinal)), "only an object with a client name counts as a report");
    }
}
