using Attribution.Host.Kafka;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Kafka;

public class ConsumerDefaultsTests
{
    [Test]
    public void Group_consumer_and_recovery_readers_fetch_again_after_10_ms_not_librdkafkas_second()
    {
        var options = new RunOptions { BootstrapServers = "localhost:9092" };
        Assert.Multiple(() =>
        {
            Assert.That(options.ConsumerConfig().Get("fetch.queue.backoff.ms"), Is.EqualTo("10"));
            Assert.That(options.ReaderConfig().Get("fetch.queue.backoff.ms"), Is.EqualTo("10"));
            Assert.That(options.ConsumerConfig().Get("queued.max.messages.kbytes"),
                Is.EqualTo(ConsumerDefaults.QueueKilobytes(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public void Kafka_property_given_by_the_operator_overrides_a_consumer_default_and_stays_off_the_producer()
    {
        var options = new RunOptions
        {
            BootstrapServers = "localhost:9092",
            KafkaProperties = new Dictionary<string, string> { ["fetch.queue.backoff.ms"] = "1000", ["queued.max.messages.kbytes"] = "8192" },
        };
        Assert.Multiple(() =>
        {
            Assert.That(options.ConsumerConfig().Get("fetch.queue.backoff.ms"), Is.EqualTo("1000"));
            Assert.That(options.ConsumerConfig().Get("queued.max.messages.kbytes"), Is.EqualTo("8192"));
            Assert.That(options.ProducerConfig().Get("fetch.queue.backoff.ms"), Is.Null, "a consumer property would only make the producer warn");
        });
    }

    [TestCase(256L << 20, 4096)]
    [TestCase(1L << 30, 16384)]
    [TestCase(24L << 30, 65536)]
    public void Prefetch_queue_is_a_64th_of_memory_between_4_and_64_MiB(long availableBytes, long expectedKilobytes)
    {
        Assert.That(ConsumerDefaults.QueueKilobytes(availableBytes), Is.EqualTo(expectedKilobytes));
    }
}
