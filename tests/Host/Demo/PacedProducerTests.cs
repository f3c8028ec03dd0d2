using System.Diagnostics;
using Attribution.Host.Demo;
using Attribution.Testing.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Demo;

/// <summary>
/// The demo generator on the embedded broker: each record carries its due time on the schedule, not the moment it
/// was sent, so a generator that falls behind counts against the measured latency (coordinated omission).
/// </summary>
public class PacedProducerTests
{
    private const int Events = 2_000;
    private const int Rate = 10_000;

    [Test]
    public void Records_carry_their_due_time_even_when_the_generator_is_behind_its_schedule()
    {
        int seed = TestSeed.Get();
        using var cluster = new EmbeddedKafkaCluster(1);
        cluster.CreateTopic("raw-events", 2);
        var demo = new DemoOptions { Events = Events, Rate = Rate, Partitions = 2, Seed = seed };
        using var producer = new PacedProducer(cluster.BootstrapServers, demo, new TrafficGenerator(seed));
        var clock = Stopwatch.StartNew();
        long sendStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Thread.Sleep(1_000); // the schedule started a second ago: every record is sent late
        producer.Run(sendStart, sendStart, clock);

        Assert.That(producer.MaxBehindSeconds, Is.GreaterThanOrEqualTo(0.9), "how far behind the generator says it fell");
        Assert.That(producer.MaxBehindAtSeconds, Is.LessThan(0.2), "and when: at its first records");
        Assert.That(producer.FinishedSeconds, Is.GreaterThanOrEqualTo(1.0));
        Assert.That(producer.Ends.Sum(), Is.EqualTo(Events));
        var due = Enumerable.Range(0, Events).Select(i => TrafficGenerator.PacedClock(sendStart, i, Rate)).ToList();
        Assert.That(Timestamps(cluster.BootstrapServers).Order(), Is.EqualTo(due), $"seed {seed}: the records' timestamps are their due times");
    }

    private static List<long> Timestamps(string bootstrap)
    {
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "paced-producer-test",
            EnablePartitionEof = true,
            EnableAutoCommit = false,
        }).Build();
        reader.Assign([new TopicPartitionOffset("raw-events", 0, Offset.Beginning), new TopicPartitionOffset("raw-events", 1, Offset.Beginning)]);
        var times = new List<long>();
        int open = 2;
        var limit = Stopwatch.StartNew();
        while (open > 0 && limit.Elapsed < TimeSpan.FromSeconds(60))
        {
            var r = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
            {
                continue;
            }
            if (r.IsPartitionEOF)
            {
                open--;
            }
            else
            {
                times.Add(r.Message.Timestamp.UnixTimestampMs);
            }
        }
        return times;
    }
}
