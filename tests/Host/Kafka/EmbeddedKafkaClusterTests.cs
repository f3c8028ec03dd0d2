using System.Diagnostics;
using System.Net.Sockets;
using Attribution.Testing.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

[Category(TestCategories.Slow)]
public class EmbeddedKafkaClusterTests
{
    [Test]
    public void Our_imports_bind_to_the_one_librdkafka_file_Confluent_Kafka_loaded()
    {
        using var cluster = new EmbeddedKafkaCluster();

        var path = LibrdkafkaLibrary.LoadedPath;
        TestContext.Out.WriteLine($"librdkafka bound: {path}, Confluent.Kafka runs {Library.VersionString}");
        Assert.That(path, Is.Not.Null);
        Assert.That(LibrdkafkaNative.rd_kafka_version(), Is.EqualTo(Library.Version));
        if (OperatingSystem.IsLinux())
        {
            // One librdkafka in the process: the file we bound is the only one mapped.
            Assert.That(LibrdkafkaLibrary.MappedLibrdkafkaFiles(), Is.EqualTo(new[] { path }));
            Assert.That(LibrdkafkaLibrary.CandidateNames().Any(n => Path.GetFileName(path!).StartsWith(n, StringComparison.Ordinal)),
                Is.True, "the mapped file is one of the builds Confluent.Kafka tries");
        }
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Each_broker_listens_on_its_own_loopback_port(int brokers)
    {
        int[] ports;
        using (var cluster = new EmbeddedKafkaCluster(brokers))
        {
            Assert.That(cluster.BrokerCount, Is.EqualTo(brokers));
            var entries = cluster.BootstrapServers.Split(',');
            Assert.That(entries, Has.Length.EqualTo(brokers));
            Assert.That(entries, Has.All.Match(@"^127\.0\.0\.1:\d+$"));
            ports = entries.Select(e => int.Parse(e.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.That(ports.Distinct().Count(), Is.EqualTo(brokers));
            foreach (var port in ports)
            {
                using var socket = new TcpClient();
                Assert.DoesNotThrow(() => socket.Connect("127.0.0.1", port), $"port {port} accepts connections");
            }
        }
        foreach (var port in ports)
        {
            using var socket = new TcpClient();
            Assert.Throws<SocketException>(() => socket.Connect("127.0.0.1", port), $"port {port} is closed after Dispose");
        }
    }

    [Test]
    public void Created_topic_appears_in_metadata_with_its_partitions()
    {
        using var cluster = new EmbeddedKafkaCluster(brokerCount: 2);
        cluster.CreateTopic("orders.v1", partitions: 6, replicationFactor: 2);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var metadata = admin.GetMetadata("orders.v1", Patience);
        var topic = metadata.Topics.Single();
        Assert.That(topic.Error.Code, Is.EqualTo(ErrorCode.NoError));
        Assert.That(topic.Partitions, Has.Count.EqualTo(6));
        Assert.That(topic.Partitions, Has.All.Matches<PartitionMetadata>(p => p.Replicas.Length == 2));
        Assert.That(metadata.Brokers.Select(b => b.BrokerId).Order(), Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void Creating_a_topic_twice_is_refused_with_the_broker_reason()
    {
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic("twice", 1);
        var e = Assert.Throws<InvalidOperationException>(() => cluster.CreateTopic("twice", 1));
        Assert.That(e!.Message, Does.Contain("twice").And.Contain("TopicAlreadyExists"));
    }

    [TestCase("")]
    [TestCase(".")]
    [TestCase("..")]
    [TestCase("has space")]
    [TestCase("slash/topic")]
    [TestCase("ünicode")]
    public void Illegal_topic_names_are_rejected_before_reaching_the_broker(string name)
    {
        using var cluster = new EmbeddedKafkaCluster();
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic(name, 1));
    }

    [Test]
    public void Out_of_range_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddedKafkaCluster(0).Dispose());
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddedKafkaCluster(EmbeddedKafkaCluster.MaxBrokers + 1).Dispose());
        using var cluster = new EmbeddedKafkaCluster(brokerCount: 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("t", 1, replicationFactor: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerUp(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerRtt(1, -1));
        Assert.Throws<ArgumentException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce));
    }

    [Test]
    public void Dispose_is_idempotent_and_later_calls_throw_ObjectDisposedException()
    {
        var cluster = new EmbeddedKafkaCluster();
        cluster.Dispose();
        Assert.DoesNotThrow(cluster.Dispose);
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.RequestTimedOut));
        Assert.Throws<ObjectDisposedException>(() => cluster.CountRequests(KafkaApiKey.Produce));
    }

    [Test]
    public void Partition_leadership_can_be_moved_between_brokers()
    {
        using var cluster = new EmbeddedKafkaCluster(brokerCount: 2);
        cluster.CreateTopic("led", partitions: 2, replicationFactor: 2);
        cluster.SetPartitionLeader("led", 0, brokerId: 2);
        cluster.SetPartitionLeader("led", 1, brokerId: 1);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        var partitions = admin.GetMetadata("led", Patience).Topics.Single().Partitions.OrderBy(p => p.PartitionId).ToArray();
        Assert.That(partitions.Select(p => p.Leader), Is.EqualTo(new[] { 2, 1 }));

        cluster.SetPartitionLeader("led", 0, brokerId: 1);
        using var admin2 = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        Assert.That(admin2.GetMetadata("led", Patience).Topics.Single().Partitions.Single(p => p.PartitionId == 0).Leader, Is.EqualTo(1));
    }

    [Test]
    public void Broker_rtt_delays_its_responses_at_least_by_the_set_time()
    {
        using var cluster = new EmbeddedKafkaCluster();
        cluster.CreateTopic("slow", 1);
        cluster.SetBrokerRtt(1, 400);

        // A new client needs at least ApiVersions and Metadata round trips: two delayed answers.
        var clock = Stopwatch.StartNew();
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            Assert.That(admin.GetMetadata("slow", Patience).Topics.Single().Error.Code, Is.EqualTo(ErrorCode.NoError));
        }
        TestContext.Out.WriteLine($"metadata with 400 ms rtt took {clock.ElapsedMilliseconds} ms");
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(700));
    }

    [Test]
    public void Two_clusters_in_one_process_keep_their_data_apart()
    {
        using var first = StartCluster();
        var second = StartCluster();
        try
        {
            Assert.That(first.BootstrapServers, Is.Not.EqualTo(second.BootstrapServers));
            first.CreateTopic("shared", 1);
            second.CreateTopic("shared", 1);
            Produce(first, "shared", "from-first");
            Produce(second, "shared", "from-second");

            Assert.That(ReadTopic(first, "shared", 1).Select(r => r.Message.Value), Is.EqualTo(new[] { "from-first" }));
            Assert.That(ReadTopic(second, "shared", 1).Select(r => r.Message.Value), Is.EqualTo(new[] { "from-second" }));

            second.Dispose();
            Produce(first, "shared", "after-second-stopped");
            Assert.That(ReadTopic(first, "shared", 2).Select(r => r.Message.Value),
                Is.EqualTo(new[] { "from-first", "after-second-stopped" }));
        }
        finally
        {
            second.Dispose();
        }
    }

    private static void Produce(EmbeddedKafkaCluster cluster, string topic, string value)
    {
        using var producer = new ProducerBuilder<string, string>(Producer(cluster)).Build();
        var result = producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = value }).Wait(Patience);
        Assert.That(result, Is.True, $"delivery to {cluster.BootstrapServers} finished in time");
    }
}
