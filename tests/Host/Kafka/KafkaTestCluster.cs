using System.Collections;
using Attribution.Testing.Kafka;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// The cluster the exactly-once, chaos and scale-out suites run against: the embedded broker, or — with
/// <c>ATTRIBUTION_TEST_BOOTSTRAP=host:port</c> — a real cluster (security properties from <c>ATTRIBUTION_TEST_KAFKA_&lt;KEY&gt;</c>,
/// '_' for '.', or a properties file named by <c>ATTRIBUTION_TEST_KAFKA_PROPERTIES</c>). On a real cluster each
/// test's topics and group get a unique suffix and are created with the admin client; broker faults, which only
/// the embedded broker can inject, are not available (<see cref="Faults"/> is null).
/// </summary>
internal sealed class KafkaTestCluster : IDisposable
{
    /// <summary>The variable naming a real cluster's bootstrap servers.</summary>
    public const string BootstrapVariable = "ATTRIBUTION_TEST_BOOTSTRAP";

    /// <summary>Prefix of the variables passing client properties (SASL, TLS) for a real cluster.</summary>
    public const string PropertyPrefix = "ATTRIBUTION_TEST_KAFKA_";

    /// <summary>A Java-style properties file of client properties for a real cluster.</summary>
    public const string PropertiesFileVariable = "ATTRIBUTION_TEST_KAFKA_PROPERTIES";

    /// <summary>A fixed topic suffix, for a cluster that cannot create topics (the embedded broker behind <c>attribution broker --port</c>, which made them).</summary>
    public const string TopicSuffixVariable = "ATTRIBUTION_TEST_TOPIC_SUFFIX";

    private readonly string _suffix;
    private readonly List<string> _created = [];
    private readonly bool _owns;

    private KafkaTestCluster(EmbeddedKafkaCluster? embedded, string bootstrap, IReadOnlyDictionary<string, string> properties, string suffix, bool owns = true)
    {
        _owns = owns;
        Embedded = embedded;
        BootstrapServers = bootstrap;
        Properties = properties;
        _suffix = suffix;
    }

    /// <summary>The embedded broker, or null on a real cluster.</summary>
    public EmbeddedKafkaCluster? Embedded { get; }

    /// <summary>The embedded broker's fault injection, or null on a real cluster (it cannot be told to fail).</summary>
    public EmbeddedKafkaCluster? Faults => Embedded;

    /// <summary>Whether this is a cluster named by <see cref="BootstrapVariable"/>.</summary>
    public bool IsReal => Embedded is null;

    /// <summary>Where clients connect.</summary>
    public string BootstrapServers { get; }

    /// <summary>Client properties every client of the test needs (security for a real cluster; none for the embedded one).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>
    /// Whether the cluster keeps transaction state (aborted records hidden from read_committed), found by
    /// <see cref="ProbeTransactions"/>; null until probed. The embedded broker keeps none.
    /// </summary>
    public bool? HidesAbortedRecords { get; private set; }

    /// <summary>The embedded broker (groups form at once), or the real cluster the environment names.</summary>
    public static KafkaTestCluster Start(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? bootstrap = environment[BootstrapVariable] as string;
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            var embedded = KafkaTestClients.StartCluster();
            return new KafkaTestCluster(embedded, embedded.BootstrapServers, new Dictionary<string, string>(), "");
        }
        string suffix = environment[TopicSuffixVariable] as string is { Length: > 0 } fixedSuffix ? fixedSuffix : Guid.NewGuid().ToString("N")[..10];
        TestContext.Progress.WriteLine($"real-cluster mode: {BootstrapVariable}={bootstrap}, topics and group suffixed '-{suffix}'");
        return new KafkaTestCluster(null, bootstrap.Trim(), ReadProperties(environment), suffix);
    }

    /// <summary>An embedded broker the caller owns, seen through this type (not disposed with the view).</summary>
    public static implicit operator KafkaTestCluster(EmbeddedKafkaCluster embedded)
    {
        ArgumentNullException.ThrowIfNull(embedded);
        return new KafkaTestCluster(embedded, embedded.BootstrapServers, new Dictionary<string, string>(), "", owns: false);
    }

    /// <summary>The name a test's topic or group has on this cluster (the base name on the embedded broker).</summary>
    public string Name(string baseName) => IsReal ? $"{baseName}-{_suffix}" : baseName;

    /// <summary>
    /// Creates a topic (by its base name) with <paramref name="partitions"/> partitions, unless it exists: then it must
    /// have that many when <paramref name="exact"/> (the input, whose partitions the scenario fixes), any count otherwise.
    /// </summary>
    public void CreateTopic(string baseName, int partitions, bool exact = true)
    {
        if (Embedded is { } embedded)
        {
            embedded.CreateTopic(baseName, partitions);
            return;
        }
        string topic = Name(baseName);
        using var admin = new AdminClientBuilder(Apply(new AdminClientConfig())).Build();
        var existing = admin.GetMetadata(KafkaTestClients.Patience).Topics.FirstOrDefault(t => t.Topic == topic && !t.Error.IsError);
        if (existing is not null)
        {
            Assert.That(existing.Partitions, exact ? Has.Count.EqualTo(partitions) : Has.Count.Positive, $"the existing topic {topic} has the wanted partition count");
            return;
        }
        admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]).GetAwaiter().GetResult();
        _created.Add(topic);
        WaitForLeaders(admin, topic, partitions);
    }

    /// <summary><paramref name="config"/> with the cluster's address and properties.</summary>
    public T Apply<T>(T config) where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (k, v) in Properties)
        {
            config.Set(k, v);
        }
        config.BootstrapServers = BootstrapServers;
        return config;
    }

    /// <summary>
    /// Produces an aborted transaction and a committed one to a probe topic and reads it read_committed: a real
    /// cluster shows only the committed record; the embedded broker, which keeps no transaction state, shows both.
    /// </summary>
    public bool ProbeTransactions()
    {
        const string probe = "txn-probe";
        CreateTopic(probe, 1, exact: false);
        string topic = Name(probe);
        var config = Apply(new ProducerConfig { TransactionalId = KafkaTestClients.Unique("probe"), EnableIdempotence = true, Acks = Acks.All });
        using (var producer = new ProducerBuilder<Null, string>(config).Build())
        {
            producer.InitTransactions(KafkaTestClients.Patience);
            producer.BeginTransaction();
            producer.Produce(new TopicPartition(topic, 0), new Message<Null, string> { Value = "aborted" });
            Assert.That(producer.Flush(KafkaTestClients.Patience), Is.Zero);
            producer.AbortTransaction(KafkaTestClients.Patience);
            producer.BeginTransaction();
            producer.Produce(new TopicPartition(topic, 0), new Message<Null, string> { Value = "committed" });
            producer.CommitTransaction(KafkaTestClients.Patience);
        }
        var values = new List<string>();
        var reader = Apply(new ConsumerConfig { GroupId = KafkaTestClients.Unique("probe"), IsolationLevel = IsolationLevel.ReadCommitted, EnablePartitionEof = true, AutoOffsetReset = AutoOffsetReset.Earliest });
        using (var consumer = new ConsumerBuilder<Ignore, string>(reader).Build())
        {
            consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (clock.Elapsed < KafkaTestClients.Patience)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (r is { IsPartitionEOF: true } && values.Contains("committed"))
                {
                    break;
                }
                if (r is { IsPartitionEOF: false })
                {
                    values.Add(r.Message.Value);
                }
            }
            consumer.Close();
        }
        Assert.That(values, Does.Contain("committed"), "the probe's committed record is read back");
        HidesAbortedRecords = !values.Contains("aborted");
        return HidesAbortedRecords.Value;
    }

    /// <summary>
    /// Environment entries for the child hosts: the embedded broker's offsets shim only where transaction state is
    /// missing (probed when not yet known); a real cluster runs the production (KIP-447) commit path.
    /// </summary>
    public IReadOnlyDictionary<string, string?> HostEnvironment()
    {
        bool hides = !IsReal ? false : HidesAbortedRecords ?? ProbeTransactions();
        return new Dictionary<string, string?> { [global::Attribution.Host.Demo.TestBrokerSwitch.Variable] = hides ? null : "1" };
    }

    /// <summary>Host flags naming this test's topics and group, and the security properties (none on the embedded broker).</summary>
    public IEnumerable<string> HostFlags(IEnumerable<string> topicFlags)
    {
        if (!IsReal)
        {
            yield break;
        }
        foreach (string flag in topicFlags)
        {
            yield return flag;
        }
        foreach (var (k, v) in Properties)
        {
            yield return "--kafka";
            yield return $"{k}={v}";
        }
    }

    /// <summary>kcat's <c>-X</c> arguments for the properties.</summary>
    public IEnumerable<string> KcatProperties() => Properties.SelectMany(p => new[] { "-X", $"{p.Key}={p.Value}" });

    /// <summary>Stops the embedded broker, or deletes the topics this test created on a real cluster (best effort).</summary>
    public void Dispose()
    {
        if (Embedded is { } embedded)
        {
            if (_owns)
            {
                embedded.Dispose();
            }
            return;
        }
        if (_created.Count == 0)
        {
            return;
        }
        try
        {
            using var admin = new AdminClientBuilder(Apply(new AdminClientConfig())).Build();
            admin.DeleteTopicsAsync(_created).Wait(KafkaTestClients.Patience);
        }
        catch (Exception e) when (e is KafkaException or AggregateException)
        {
            TestContext.Out.WriteLine($"the test topics {string.Join(",", _created)} were not deleted: {e.Message}");
        }
    }

    private static void WaitForLeaders(IAdminClient admin, string topic, int partitions)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < KafkaTestClients.Patience)
        {
            var t = admin.GetMetadata(topic, KafkaTestClients.Patience).Topics.FirstOrDefault();
            if (t is not null && !t.Error.IsError && t.Partitions.Count == partitions && t.Partitions.All(p => p.Leader >= 0))
            {
                return;
            }
            Thread.Sleep(100);
        }
        Assert.Fail($"the topic {topic} got no leaders in time");
    }

    private static Dictionary<string, string> ReadProperties(IDictionary environment)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        if (environment[PropertiesFileVariable] is string { Length: > 0 } file)
        {
            foreach (string raw in File.ReadAllLines(file))
            {
                string line = raw.Trim();
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                if (line.Length > 0 && line[0] is not ('#' or '!') && eq > 0)
                {
                    properties[line[..eq].Trim()] = line[(eq + 1)..].Trim();
                }
            }
        }
        foreach (DictionaryEntry e in environment)
        {
            if (e.Key is string name && e.Value is string value && name.StartsWith(PropertyPrefix, StringComparison.Ordinal) && name != PropertiesFileVariable)
            {
                properties[name[PropertyPrefix.Length..].ToLowerInvariant().Replace('_', '.')] = value;
            }
        }
        return properties;
    }
}
