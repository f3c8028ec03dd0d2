using Attribution.Host.Run;
using Attribution.Host.Settings;

namespace Attribution.Tests.Host.Settings;

/// <summary>The configuration a command starts with is logged once, with every source named and secrets masked.</summary>
public class EffectiveConfigurationTests
{
    [TestCase("sasl.password", true)]
    [TestCase("ssl.key.password", true)]
    [TestCase("ssl.keystore.password", true)]
    [TestCase("sasl.oauthbearer.client.secret", true)]
    [TestCase("ssl.key.pem", true)]
    [TestCase("sasl.oauthbearer.config", true)]
    [TestCase("linger.ms", false)]
    [TestCase("security.protocol", false)]
    [TestCase("sasl.username", false)]
    public void Secret_properties_are_recognised(string property, bool secret)
        => Assert.That(EffectiveConfiguration.IsSecret(property), Is.EqualTo(secret));

    [Test]
    public void Run_logs_its_configuration_at_start_with_secrets_masked_and_sources_named()
    {
        var env = new Dictionary<string, string> { ["ATTRIBUTION_KAFKA_SSL_KEY_PASSWORD"] = "env-secret-42", ["ATTRIBUTION_SHARDS"] = "2" };
        var stderr = new StringWriter();
        int code = RunCommand.Run(
            ["--bootstrap-servers", "127.0.0.1:1", "--startup-timeout", "1s", "--kafka", "sasl.password=flag-secret-17", "--kafka", "client.rack=r1"],
            env, stderr, CancellationToken.None);
        string text = stderr.ToString();
        TestContext.Out.WriteLine(text);
        Assert.That(code, Is.EqualTo(1), "no broker answers");
        string line = text.Split('\n').Single(l => l.Contains("effective configuration", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(line, Does.Contain(" info config "));
            Assert.That(line, Does.Contain("bootstrap_servers=127.0.0.1:1[--bootstrap-servers]"));
            Assert.That(line, Does.Contain("shards=2[ATTRIBUTION_SHARDS]"));
            Assert.That(line, Does.Contain("input_topic=raw-events[default]"));
            Assert.That(line, Does.Contain("kafka.sasl.password=***"));
            Assert.That(line, Does.Contain("kafka.ssl.key.password=***"));
            Assert.That(line, Does.Contain("kafka.client.rack=r1"));
            Assert.That(text, Does.Not.Contain("flag-secret-17").And.Not.Contain("env-secret-42"), "no secret anywhere on standard error");
        });
    }

    [Test]
    public void The_status_pages_settings_mask_secrets_and_name_their_sources()
    {
        var flags = new Dictionary<string, string> { ["bootstrap_servers"] = "b:9092", ["input_keying"] = "trust", ["kafka:sasl:password"] = "flag-secret-17", ["kafka:client:rack"] = "r1", ["kafka:ssl:key:password"] = "flag-secret-18" };
        var names = new Dictionary<string, string> { ["bootstrap_servers"] = "--bootstrap-servers", ["input_keying"] = "--input-keying", ["kafka:sasl:password"] = "--kafka sasl.password", ["kafka:client:rack"] = "--kafka client.rack", ["kafka:ssl:key:password"] = "--kafka ssl.key.password" };
        var reader = new SettingReader(LayeredSettings.Load(SettingScope.Run, flags, names, new Dictionary<string, string>()));
        var entries = EffectiveConfiguration.Entries(reader).ToDictionary(e => e.Key);
        TestContext.Out.WriteLine(string.Join("\n", entries.Values));
        Assert.That(entries["bootstrap_servers"], Is.EqualTo(new EffectiveSetting("bootstrap_servers", "b:9092", "--bootstrap-servers")));
        Assert.That(entries["input_keying"].Value, Is.EqualTo("trust"), "a setting named with 'key' in it is no secret");
        Assert.That(entries["input_topic"], Is.EqualTo(new EffectiveSetting("input_topic", "raw-events", "default")));
        Assert.That(entries["kafka.sasl.password"].Value, Is.EqualTo(EffectiveConfiguration.Mask));
        Assert.That(entries["kafka.ssl.key.password"].Value, Is.EqualTo(EffectiveConfiguration.Mask));
        Assert.That(entries["kafka.client.rack"].Value, Is.EqualTo("r1"));
        Assert.That(entries.Values.Select(e => e.Value), Has.None.Contains("secret-"), "no secret in any entry");
    }

    [Test]
    public void A_log_level_above_information_leaves_the_configuration_line_out()
    {
        var stderr = new StringWriter();
        RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--startup-timeout", "1s", "--log-level", "warning"], new Dictionary<string, string>(), stderr, CancellationToken.None);
        Assert.That(stderr.ToString(), Does.Not.Contain("effective configuration").And.Contain("attribution run: No Kafka broker answered"));
    }

    [TestCase("debug", true)]
    [TestCase("information", false)]
    public void Replay_logs_its_configuration_at_debug_only_so_its_standard_error_stays_a_summary(string level, bool logged)
    {
        string dir = Directory.CreateTempSubdirectory("attribution-config-log-").FullName;
        try
        {
            string input = Path.Combine(dir, "in.jsonl");
            File.WriteAllText(input, "");
            var stderr = new StringWriter();
            int exit = global::Attribution.Host.CliApp.Run(["replay", "--input", input, "--output", Path.Combine(dir, "out.jsonl"), "--log-level", level],
                new global::Attribution.Host.Cli.CliContext(new Dictionary<string, string> { ["ATTRIBUTION_CLICK_HISTORY"] = "2" }, TextWriter.Null, stderr, CancellationToken.None));
            Assert.That(exit, Is.Zero, stderr.ToString());
            Assert.That(stderr.ToString().Contains("click_history=2[ATTRIBUTION_CLICK_HISTORY]", StringComparison.Ordinal), Is.EqualTo(logged), stderr.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
