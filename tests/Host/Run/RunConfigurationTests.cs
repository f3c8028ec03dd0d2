using Attribution.Host.Cli;
using Attribution.Host.Run;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>Settings of <c>attribution run</c>: precedence of flags, environment and file, and one-sentence errors with the right exit code.</summary>
[Category(TestCategories.Slow)]
public class RunConfigurationTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    public static IEnumerable<TestCaseData> BadSettings()
    {
        yield return new TestCaseData(Array.Empty<string>(), NoEnvironment, null, "bootstrap").SetName("Missing_bootstrap_servers");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--shards", "many" }, NoEnvironment, null, "--shards").SetName("Shards_not_a_number");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1" }, new Dictionary<string, string> { ["ATTRIBUTION_COMMIT_INTERVAL"] = "fast" }, null, "ATTRIBUTION_COMMIT_INTERVAL").SetName("Bad_duration_in_the_environment");
        yield return new TestCaseData(Array.Empty<string>(), NoEnvironment, """{"bootstrap_servers":"x:1","shard":2}""", "unknown key 'shard'").SetName("Unknown_key_in_the_config_file");
        yield return new TestCaseData(Array.Empty<string>(), NoEnvironment, """{"bootstrap_servers":"x:1",""", "not valid JSON").SetName("Config_file_not_JSON");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--kafka", "enable.auto.commit=true" }, NoEnvironment, null, "cannot be overridden").SetName("Reserved_Kafka_property");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--kafka", "no.such.property=1" }, NoEnvironment, null, "librdkafka rejected").SetName("Unknown_librdkafka_property");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--kafka", "linger.ms" }, NoEnvironment, null, "key=value").SetName("Kafka_flag_without_a_value");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--window", "0" }, NoEnvironment, null, "window").SetName("Zero_window");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--output-topic", "bad topic" }, NoEnvironment, null, "topic").SetName("Illegal_topic_name");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--input-topic", "attributed-events" }, NoEnvironment, null, "three different topics").SetName("Input_topic_equals_output_topic");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--frobnicate" }, NoEnvironment, null, "not a flag").SetName("Unknown_flag");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--metrics-port", "9100", "--metrics-address", "localhost" }, NoEnvironment, null, "--metrics-address must be an IP address").SetName("Metrics_address_not_an_IP_address");
        yield return new TestCaseData(new[] { "--bootstrap-servers", "x:1", "--metrics-port", "9100" }, new Dictionary<string, string> { ["ATTRIBUTION_METRICS_ADDRESS"] = "127.1" }, null, "ATTRIBUTION_METRICS_ADDRESS").SetName("Metrics_address_shorthand_in_the_environment");
        yield return new TestCaseData(Array.Empty<string>(), NoEnvironment, """{"bootstrap_servers":"x:1","metrics_port":9100,"metrics_address":"300.0.0.1"}""", "metrics_address in").SetName("Metrics_address_out_of_range_in_the_config_file");
    }

    [TestCaseSource(nameof(BadSettings))]
    public void Bad_settings_exit_2_with_one_sentence(string[] args, Dictionary<string, string> environment, string? file, string mention)
    {
        string? path = null;
        if (file is not null)
        {
            path = Path.Combine(Path.GetTempPath(), $"attribution-config-{Guid.NewGuid():N}.json");
            File.WriteAllText(path, file);
            args = [.. args, "--config", path];
        }
        try
        {
            var stderr = new StringWriter();
            int code = RunCommand.Run(args, environment, stderr, CancellationToken.None);
            string text = stderr.ToString().Trim();
            TestContext.Out.WriteLine(text);
            Assert.That(code, Is.EqualTo(2));
            var lines = text.Split('\n').Where(l => !l.Contains(" warn ", StringComparison.Ordinal) && !l.Contains(" info ", StringComparison.Ordinal) && !l.Contains(" error run ", StringComparison.Ordinal)).ToList();
            Assert.That(lines, Has.Count.EqualTo(1), "one line for the operator");
            Assert.That(lines[0], Does.StartWith("attribution run: ").And.EndWith(".").And.Contain(mention));
        }
        finally
        {
            if (path is not null)
            {
                File.Delete(path);
            }
        }
    }

    [Test]
    public void Unreachable_broker_exits_1_after_the_startup_timeout()
    {
        var stderr = new StringWriter();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int code = RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--startup-timeout", "1s"], NoEnvironment, stderr, CancellationToken.None);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr.ToString(), Does.Contain("attribution run: No Kafka broker answered at 127.0.0.1:1 within 1 s."));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
    }

    [TestCase("192.0.2.1", TestName = "Metrics_address_not_on_this_machine_exits_2_with_one_sentence")]
    [TestCase("127.0.0.1", TestName = "Metrics_port_in_use_exits_2_with_one_sentence")]
    public void Metrics_endpoint_that_cannot_be_opened_exits_2_with_one_sentence(string address)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var stderr = new StringWriter();
        int code = RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--metrics-address", address], NoEnvironment, stderr, CancellationToken.None);
        string text = stderr.ToString().Trim();
        TestContext.Out.WriteLine(text);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(text.Split('\n'), Has.Length.EqualTo(1));
        Assert.That(text, Does.StartWith($"attribution run: the metrics endpoint {address}:{port} cannot be opened (").And.EndWith(")."));
    }

    [Test]
    public void Missing_topic_exits_1_naming_it()
    {
        using var cluster = KafkaTestClients.StartCluster();
        cluster.CreateTopic("raw-events", 1);
        cluster.CreateTopic("attribution-dead-letter", 1);
        var stderr = new StringWriter();
        int code = RunCommand.Run(["--bootstrap-servers", cluster.BootstrapServers], NoEnvironment, stderr, CancellationToken.None);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr.ToString(), Does.Contain("The topic 'attributed-events' does not exist"));
    }

    [Test]
    public void Unusable_shared_state_directory_exits_1_naming_it()
    {
        using var cluster = KafkaTestClients.StartCluster();
        cluster.CreateTopic("raw-events", 1);
        cluster.CreateTopic("attributed-events", 1);
        cluster.CreateTopic("attribution-dead-letter", 1);
        string file = Path.GetTempFileName(); // a file where a directory is needed
        try
        {
            var stderr = new StringWriter();
            int code = RunCommand.Run(["--bootstrap-servers", cluster.BootstrapServers, "--shared-state-dir", file], NoEnvironment, stderr, CancellationToken.None);
            TestContext.Out.WriteLine(stderr.ToString().TrimEnd().Split('\n')[^1]);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(stderr.ToString(), Does.Contain($"The shared state directory '{file}' cannot be used"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Child_process_without_bootstrap_servers_exits_2_with_one_line()
    {
        using var host = HostProcess.Start(["run"]);
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(2));
        Assert.That(host.Stderr, Has.Count.EqualTo(1));
        Assert.That(host.Stderr[0], Does.StartWith("attribution run: No Kafka bootstrap servers are set"));
    }

    [Test]
    public void Flags_beat_environment_which_beats_the_config_file_which_beats_defaults()
    {
        string path = Path.Combine(Path.GetTempPath(), $"attribution-config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              // comments are allowed
              "bootstrap_servers": "file:9092",
              "group": "file-group",
              "shards": 3,
              "window_hours": 2,
              "kafka": { "client.rack": "rack-1", "linger.ms": 7, "security.protocol": "plaintext" }
            }
            """);
        try
        {
            var env = new Dictionary<string, string>
            {
                ["KAFKA_BOOTSTRAP_SERVERS"] = "upstream:9092",
                ["ATTRIBUTION_SHARDS"] = "2",
                ["ATTRIBUTION_KAFKA_LINGER_MS"] = "9",
            };
            var o = RunOptionsReader.Read(["--config", path, "--group", "flag-group", "--kafka", "security.protocol=PLAINTEXT"], env);
            Assert.That(o.BootstrapServers, Is.EqualTo("upstream:9092"), "the environment beats the file");
            Assert.That(o.GroupId, Is.EqualTo("flag-group"), "a flag beats the file");
            Assert.That(o.Shards, Is.EqualTo(2), "the environment beats the file");
            Assert.That(o.Attribution.WindowMs, Is.EqualTo(2 * 3_600_000L), "the file beats the default");
            Assert.That(o.OutputTopic, Is.EqualTo("attributed-events"), "upstream default");
            Assert.That(o.KafkaProperties["client.rack"], Is.EqualTo("rack-1"));
            Assert.That(o.KafkaProperties["linger.ms"], Is.EqualTo("9"));
            Assert.That(o.KafkaProperties["security.protocol"], Is.EqualTo("PLAINTEXT"));
            Assert.That(o.TransactionalId, Is.EqualTo($"attribution-flag-group-{o.HostId}"));
            var producer = o.ProducerConfig();
            Assert.That(producer.Get("client.rack"), Is.EqualTo("rack-1"), "passed through to librdkafka");
            Assert.That(producer.TransactionalId, Is.EqualTo(o.TransactionalId));
            Assert.That(o.ConsumerConfig().IsolationLevel, Is.EqualTo(IsolationLevel.ReadCommitted));
            Assert.That(o.ConsumerConfig().EnableAutoCommit, Is.False);

            var defaults = RunOptionsReader.Read(["--bootstrap-servers", "b:1"], new Dictionary<string, string>());
            Assert.That((defaults.InputTopic, defaults.OutputTopic, defaults.DeadLetterTopic, defaults.GroupId),
                Is.EqualTo(("raw-events", "attributed-events", "attribution-dead-letter", "attribution")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void The_state_memory_index_size_and_expiry_cadence_reach_the_engine_of_run()
    {
        var defaults = RunOptionsReader.Read(["--bootstrap-servers", "b:1"], new Dictionary<string, string>()).EngineOptions();
        Assert.That((defaults.ClickMemoryBytes, defaults.ConversionMemoryBytes, defaults.IndexBuckets, defaults.ExpireEveryEvents),
            Is.EqualTo((64L << 20, 16L << 20, 65_536L, 250_000L)), "the documented defaults");

        var set = RunOptionsReader.Read(["--bootstrap-servers", "b:1", "--memory-mb", "8", "--index-buckets", "4096"],
            new Dictionary<string, string> { ["ATTRIBUTION_EXPIRE_EVERY"] = "1000" }).EngineOptions();
        Assert.That((set.ClickMemoryBytes, set.ConversionMemoryBytes, set.IndexBuckets, set.ExpireEveryEvents),
            Is.EqualTo((8L << 20, 8L << 20, 4_096L, 1_000L)));
    }

    [Test]
    public void A_flag_without_its_value_is_one_sentence()
    {
        var e = Assert.Throws<UsageException>(() => RunOptionsReader.Read(["--kafka"], new Dictionary<string, string>()));
        Assert.That(e!.Message, Is.EqualTo("The flag --kafka needs a value."));
    }
}
