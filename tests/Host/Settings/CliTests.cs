using Attribution.Host;
using Attribution.Host.Cli;
using Attribution.Host.Settings;

namespace Attribution.Tests.Host.Settings;

/// <summary>The <c>attribution</c> command line: help on every command, suggestions for a typo, unknown variables reported, exit codes.</summary>
public class CliTests
{
    private static (int Exit, string Stdout, string Stderr) Cli(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = CliApp.Run(args, new CliContext(environment, stdout, stderr, CancellationToken.None));
        TestContext.Out.WriteLine(stderr.ToString());
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static (int Exit, string Stdout, string Stderr) Cli(params string[] args) => Cli(new Dictionary<string, string>(), args);

    [TestCase("run", SettingScope.Run)]
    [TestCase("replay", SettingScope.Replay)]
    [TestCase("demo", SettingScope.Demo)]
    public void Help_of_a_command_lists_each_of_its_flags_with_its_variable(string command, SettingScope scope)
    {
        var (exit, stdout, stderr) = Cli(command, "--help");
        Assert.That(exit, Is.Zero);
        Assert.That(stderr, Is.Empty);
        Assert.That(stdout, Does.Contain($" {command} [options]"), "the usage line (the root's name is the executable's)");
        foreach (var setting in SettingsCatalog.For(scope))
        {
            Assert.That(stdout, Does.Contain(setting.Flag + " "), setting.Key);
            if (setting.Kind != SettingKind.KafkaProperties)
            {
                Assert.That(stdout, Does.Contain(setting.EnvironmentVariable), setting.Key);
            }
        }
    }

    [TestCase("broker", "--brokers", "--partitions", "--topics")]
    [TestCase("-h", "run", "replay", "demo", "broker")]
    [TestCase("help", "run", "replay", "demo", "broker")]
    public void Help_of_the_broker_and_the_root_lists_what_they_take(string first, params string[] mentions)
    {
        var (exit, stdout, _) = first == "broker" ? Cli("broker", "--help") : Cli(first);
        Assert.That(exit, Is.Zero);
        Assert.That(stdout, Does.Contain("Usage:"));
        foreach (var mention in mentions)
        {
            Assert.That(stdout, Does.Contain(mention));
        }
    }

    [Test]
    public void Version_prints_the_product_version()
    {
        Assert.That(Cli("--version").Stdout.Trim(), Is.EqualTo($"attribution {CliApp.Version}"));
        Assert.That(Cli("version").Stdout.Trim(), Is.EqualTo($"attribution {CliApp.Version}"));
    }

    [TestCase(new[] { "run", "--bootstrap-servers", "x:1", "--shard", "2" }, "attribution run: '--shard' is not a flag of 'run' (did you mean --shards?); see 'attribution run --help'.")]
    [TestCase(new[] { "replay", "--click-histroy", "2" }, "attribution replay: '--click-histroy' is not a flag of 'replay' (did you mean --click-history?); see 'attribution replay --help'.")]
    [TestCase(new[] { "demo", "--event=5" }, "attribution demo: '--event' is not a flag of 'demo' (did you mean --events?); see 'attribution demo --help'.")]
    [TestCase(new[] { "rpelay" }, "attribution: 'rpelay' is not a command (did you mean replay?); run 'attribution --help' to list them.")]
    [TestCase(new[] { "broker", "--broker", "2" }, "attribution broker: '--broker' is not a flag of 'broker' (did you mean --brokers?); see 'attribution broker --help'.")]
    public void A_typo_exits_2_with_one_sentence_suggesting_the_closest_name(string[] args, string sentence)
    {
        var (exit, stdout, stderr) = Cli(args);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Is.EqualTo(sentence));
    }

    [Test]
    public void A_flag_given_twice_is_one_sentence()
    {
        var (exit, _, stderr) = Cli("replay", "--shards", "1", "--shards", "2");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("attribution replay: The flag --shards is given twice."));
    }

    [Test]
    public void An_unknown_ATTRIBUTION_variable_is_reported_with_the_closest_known_one_and_the_command_still_runs()
    {
        string dir = Directory.CreateTempSubdirectory("attribution-cli-").FullName;
        try
        {
            string input = Path.Combine(dir, "in.jsonl");
            File.WriteAllText(input, "");
            var env = new Dictionary<string, string> { ["ATTRIBUTION_CLICK_HISTROY"] = "2", ["ATTRIBUTION_SEED"] = "1", ["ATTRIBUTION_LIB"] = "/x" };
            var (exit, _, stderr) = Cli(env, "replay", "--input", input, "--output", Path.Combine(dir, "out.jsonl"), "--quiet");
            Assert.That(exit, Is.Zero);
            Assert.That(stderr.TrimEnd(), Is.EqualTo(
                "attribution replay: warning: the environment variable ATTRIBUTION_CLICK_HISTROY is not a setting and is ignored (did you mean ATTRIBUTION_CLICK_HISTORY?)."),
                "the variables of the test suites and the Python binding are not reported");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Completion_suggests_the_flags_of_a_command()
    {
        var (exit, stdout, _) = Cli("[suggest:8]", "run --sh");
        Assert.That(exit, Is.Zero);
        Assert.That(stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), Does.Contain("--shards").And.Contain("--shared-state-dir"));
    }
}
