using Attribution.Host.Cli;
using Attribution.Host.Run;
using Attribution.Host.Settings;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Settings;

/// <summary>
/// librdkafka properties as Kafka users write them: shared or per client (consumer./producer./admin.), in flags,
/// variables or the config file's "kafka" section, secrets by reference and masked, host-owned ones refused.
/// </summary>
public class KafkaClientSettingsTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    private static RunOptions Read(IReadOnlyDictionary<string, string>? env = null, params string[] args)
        => RunOptionsReader.Read(["--bootstrap-servers", "b:1", .. args], env ?? NoEnvironment);

    [Test]
    public void A_prefixed_property_reaches_only_its_client_and_wins_over_the_shared_one()
    {
        var o = Read(null, "--kafka", "socket.timeout.ms=40000", "--kafka", "producer.socket.timeout.ms=50000",
            "--kafka", "consumer.fetch.min.bytes=4096", "--kafka", "admin.client.rack=r9");
        Assert.Multiple(() =>
        {
            Assert.That(o.ProducerConfig().Get("socket.timeout.ms"), Is.EqualTo("50000"), "producer. wins over the shared form");
            Assert.That(o.ConsumerConfig().Get("socket.timeout.ms"), Is.EqualTo("40000"), "the shared form reaches the consumer");
            Assert.That(o.AdminConfig().Get("socket.timeout.ms"), Is.EqualTo("40000"));
            Assert.That(o.ConsumerConfig().Get("fetch.min.bytes"), Is.EqualTo("4096"));
            Assert.That(o.ReaderConfig().Get("fetch.min.bytes"), Is.EqualTo("4096"), "the recovery readers are consumers");
            Assert.That(o.ProducerConfig().Get("fetch.min.bytes"), Is.Null, "consumer. stays off the producer");
            Assert.That(o.AdminConfig().Get("client.rack"), Is.EqualTo("r9"));
            Assert.That(o.ConsumerConfig().Get("client.rack"), Is.Null, "admin. stays off the consumer");
            Assert.That(o.ProducerConfig().Get("producer.socket.timeout.ms"), Is.Null, "no client sees a prefixed key as such");
        });
    }

    [Test]
    public void Operator_values_win_over_the_host_defaults()
    {
        var o = Read(null, "--kafka", "producer.linger.ms=20", "--kafka", "consumer.fetch.queue.backoff.ms=100", "--kafka", "auto.offset.reset=latest");
        Assert.That(o.ProducerConfig().LingerMs, Is.EqualTo(20));
        Assert.That(o.ConsumerConfig().Get("fetch.queue.backoff.ms"), Is.EqualTo("100"));
        Assert.That(o.ConsumerConfig().AutoOffsetReset, Is.EqualTo(AutoOffsetReset.Latest));
        var defaults = Read();
        Assert.That(defaults.ProducerConfig().LingerMs, Is.EqualTo(5), "the host's default when unset");
    }

    [TestCase("isolation.level=read_uncommitted")]
    [TestCase("consumer.isolation.level=read_uncommitted")]
    [TestCase("consumer.enable.auto.commit=true")]
    [TestCase("producer.transactional.id=mine")]
    [TestCase("producer.acks=1")]
    [TestCase("admin.bootstrap.servers=x:2")]
    [TestCase("transaction.timeout.ms=1000")]
    public void A_host_owned_property_is_refused_in_any_form_with_one_sentence(string pair)
    {
        var e = Assert.Throws<UsageException>(() => Read(null, "--kafka", pair))!;
        Assert.That(e.Message, Does.StartWith($"The Kafka property '{pair[..pair.IndexOf('=', StringComparison.Ordinal)]}' cannot be overridden: ").And.EndWith("."));
    }

    [Test]
    public void Client_id_is_the_operators_with_the_clients_role_appended_or_as_given_per_client()
    {
        var o = Read(null, "--kafka", "client.id=team-attrib", "--host-id", "h1");
        Assert.That((o.ConsumerConfig().ClientId, o.ProducerConfig().ClientId, o.AdminConfig().ClientId, o.ReaderConfig().ClientId),
            Is.EqualTo(("team-attrib-consumer", "team-attrib-producer", "team-attrib-admin", "team-attrib-recovery")));
        var own = Read(null, "--kafka", "client.id=team-attrib", "--kafka", "producer.client.id=tx-writer");
        Assert.That(own.ProducerConfig().ClientId, Is.EqualTo("tx-writer"), "a per-client id is taken as given");
        Assert.That(own.ConsumerConfig().ClientId, Is.EqualTo("team-attrib-consumer"));
        Assert.That(Read(null, "--host-id", "h1").ConsumerConfig().ClientId, Is.EqualTo("attribution-h1"), "unchanged without client.id");
    }

    [Test]
    public void The_config_files_kafka_section_takes_librdkafka_names_and_per_client_objects()
    {
        string path = Path.Combine(Path.GetTempPath(), $"attribution-kafka-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {
              "bootstrap_servers": "b:1",
              "kafka": {
                "security.protocol": "plaintext",
                "consumer": { "fetch.min.bytes": 2048 },
                "producer.linger.ms": 11
              }
            }
            """);
        try
        {
            var o = RunOptionsReader.Read(["--config", path, "--kafka", "consumer.fetch.min.bytes=8192"], NoEnvironment);
            Assert.That(o.ConsumerConfig().Get("security.protocol"), Is.EqualTo("plaintext"));
            Assert.That(o.ProducerConfig().LingerMs, Is.EqualTo(11));
            Assert.That(o.ConsumerConfig().Get("fetch.min.bytes"), Is.EqualTo("8192"), "a flag beats the file's nested object");
            var fileOnly = RunOptionsReader.Read(["--config", path], NoEnvironment);
            Assert.That(fileOnly.ConsumerConfig().Get("fetch.min.bytes"), Is.EqualTo("2048"));
            Assert.That(fileOnly.ProducerConfig().Get("fetch.min.bytes"), Is.Null);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Secrets_are_read_from_files_by_reference_and_by_FILE_variables()
    {
        string dir = Directory.CreateTempSubdirectory("attribution-secrets-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "pw"), "s3cret-from-file\n");
            File.WriteAllText(Path.Combine(dir, "jaas"), "org.apache.kafka.common.security.plain.PlainLoginModule required;");
            File.WriteAllText(Path.Combine(dir, "bootstrap"), "from-file:9092\n");
            File.WriteAllText(Path.Combine(dir, "config.json"), $$"""{ "kafka": { "sasl.username": "${file:{{Path.Combine(dir, "jaas")}}}" } }""");
            var env = new Dictionary<string, string>
            {
                ["ATTRIBUTION_KAFKA_SASL_PASSWORD_FILE"] = Path.Combine(dir, "pw"),
                ["ATTRIBUTION_BOOTSTRAP_SERVERS_FILE"] = Path.Combine(dir, "bootstrap"),
            };
            var o = RunOptionsReader.Read(["--config", Path.Combine(dir, "config.json"), "--kafka", $"producer.ssl.key.password=${{file:{Path.Combine(dir, "pw")}}}"], env);
            Assert.Multiple(() =>
            {
                Assert.That(o.KafkaProperties["sasl.password"], Is.EqualTo("s3cret-from-file"), "one trailing newline dropped");
                Assert.That(o.KafkaProperties["producer.ssl.key.password"], Is.EqualTo("s3cret-from-file"));
                Assert.That(o.KafkaProperties["sasl.username"], Does.StartWith("org.apache.kafka"));
                Assert.That(o.BootstrapServers, Is.EqualTo("from-file:9092"), "<SETTING>_FILE for a host setting");
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_missing_secret_file_fails_at_start_with_one_sentence_naming_its_source()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-secret-{Guid.NewGuid():N}");
        var byVariable = Assert.Throws<UsageException>(() => Read(new Dictionary<string, string> { ["ATTRIBUTION_KAFKA_SASL_PASSWORD_FILE"] = missing }))!;
        Assert.That(byVariable.Message, Is.EqualTo($"The secret file '{missing}' named by ATTRIBUTION_KAFKA_SASL_PASSWORD_FILE cannot be read: it does not exist."));
        var byFlag = Assert.Throws<UsageException>(() => Read(null, "--kafka", $"sasl.password=${{file:{missing}}}"))!;
        Assert.That(byFlag.Message, Is.EqualTo($"The secret file '{missing}' named by --kafka sasl.password cannot be read: it does not exist."));
        var stderr = new StringWriter();
        Assert.That(RunCommand.Run(["--bootstrap-servers", "b:1", "--kafka", $"sasl.password=${{file:{missing}}}"], NoEnvironment, stderr, CancellationToken.None), Is.EqualTo(2));
        Assert.That(stderr.ToString().Trim(), Does.StartWith("attribution run: The secret file").And.Not.Contain("\n"));
    }

    [Test]
    public void Secrets_are_masked_in_the_effective_configuration_and_in_every_log_line()
    {
        string dir = Directory.CreateTempSubdirectory("attribution-secrets-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "cert"), "not-a-secret-by-name-but-by-file");
            var env = new Dictionary<string, string> { ["ATTRIBUTION_KAFKA_SASL_JAAS_CONFIG"] = "jaas-secret-value-9" };
            var stderr = new StringWriter();
            // librdkafka quotes the bad value of sasl.password's neighbour in its error: the mask must reach it too.
            int code = RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--startup-timeout", "1s",
                "--kafka", "sasl.password=pw-secret-value-7", "--kafka", $"ssl.ca.pem=${{file:{Path.Combine(dir, "cert")}}}"], env, stderr, CancellationToken.None);
            string text = stderr.ToString();
            TestContext.Out.WriteLine(text);
            string line = text.Split('\n').Single(l => l.Contains("effective configuration", StringComparison.Ordinal));
            Assert.That(line, Does.Contain("kafka.sasl.password=***").And.Contain("kafka.sasl.jaas.config=***").And.Contain("kafka.ssl.ca.pem=***"));
            Assert.That(text, Does.Not.Contain("pw-secret-value-7").And.Not.Contain("jaas-secret-value-9").And.Not.Contain("not-a-secret-by-name"));
            Assert.That(code, Is.Not.Zero);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void The_log_masks_a_secret_wherever_a_line_quotes_it()
    {
        var writer = new StringWriter();
        var log = RunLog.Create(writer, Microsoft.Extensions.Logging.LogLevel.Debug, global::Attribution.Host.Observability.LogFormat.Text);
        log.Redact(["hunter2-long"]);
        log.Warn("kafka", "message=\"SASL authentication failed for password hunter2-long\"");
        Assert.That(writer.ToString(), Does.Contain("password ***").And.Not.Contain("hunter2-long"));
    }

    [Test]
    public void The_test_suites_real_cluster_variables_are_not_reported_as_unknown_settings()
    {
        var env = new Dictionary<string, string>
        {
            ["ATTRIBUTION_TEST_BOOTSTRAP"] = "k:9092",
            ["ATTRIBUTION_TEST_KAFKA_SASL_PASSWORD"] = "x",
            ["ATTRIBUTION_TEST_TOPIC_SUFFIX"] = "s",
            ["ATTRIBUTION_SHARDSS"] = "2",
        };
        var layers = LayeredSettings.Load(SettingScope.Run, new Dictionary<string, string>(), new Dictionary<string, string>(), env);
        Assert.That(layers.Warnings, Has.Count.EqualTo(1).And.Some.Contain("ATTRIBUTION_SHARDSS"));
    }
}
