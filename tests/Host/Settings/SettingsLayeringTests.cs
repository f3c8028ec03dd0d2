using Attribution.Host.Cli;
using Attribution.Host.Replay;
using Attribution.Host.Run;
using Microsoft.Extensions.Logging;

namespace Attribution.Tests.Host.Settings;

/// <summary>One setting given by the file, the environment and a flag: the flag wins, then the environment, then the file (run and replay alike).</summary>
public class SettingsLayeringTests
{
    private string _file = "";

    [SetUp]
    public void WriteFile()
    {
        _file = Path.Combine(Path.GetTempPath(), $"attribution-settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(_file, """
            {
              "bootstrap_servers": "file:9092",
              "shards": 3,
              "click_history": 3,
              "logging": { "level": "warning", "format": "json" },
              "kafka": { "linger.ms": 7 }
            }
            """);
    }

    [TearDown]
    public void DeleteFile() => File.Delete(_file);

    private static Dictionary<string, string> Env(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Test]
    public void Run_takes_the_flag_over_the_environment_over_the_file_over_the_default()
    {
        var env = Env(("ATTRIBUTION_SHARDS", "2"), ("ATTRIBUTION_LOGGING__LEVEL", "error"), ("ATTRIBUTION_KAFKA_LINGER_MS", "9"));
        var all = RunOptionsReader.Read(["--config", _file, "--shards", "1", "--log-level", "debug"], env);
        var noFlag = RunOptionsReader.Read(["--config", _file], env);
        var fileOnly = RunOptionsReader.Read(["--config", _file], Env());
        var none = RunOptionsReader.Read(["--bootstrap-servers", "b:1"], Env());
        Assert.Multiple(() =>
        {
            Assert.That((all.Shards, noFlag.Shards, fileOnly.Shards), Is.EqualTo((1, 2, 3)));
            Assert.That((all.LogLevel, noFlag.LogLevel, fileOnly.LogLevel, none.LogLevel), Is.EqualTo((LogLevel.Debug, LogLevel.Error, LogLevel.Warning, LogLevel.Information)));
            Assert.That((fileOnly.LogFormat, none.LogFormat), Is.EqualTo((global::Attribution.Host.Observability.LogFormat.Json, global::Attribution.Host.Observability.LogFormat.Text)));
            Assert.That((noFlag.KafkaProperties["linger.ms"], fileOnly.KafkaProperties["linger.ms"]), Is.EqualTo(("9", "7")));
            Assert.That((fileOnly.Attribution.ClickHistory, none.Attribution.ClickHistory), Is.EqualTo((3, 4)));
        });
    }

    [Test]
    public void Config_file_can_come_from_the_environment_and_the_upstream_bootstrap_variable_is_weaker_than_ours()
    {
        var upstream = RunOptionsReader.Read([], Env(("ATTRIBUTION_CONFIG", _file), ("KAFKA_BOOTSTRAP_SERVERS", "upstream:1")));
        var ours = RunOptionsReader.Read([], Env(("KAFKA_BOOTSTRAP_SERVERS", "upstream:1"), ("ATTRIBUTION_BOOTSTRAP_SERVERS", "ours:1")));
        Assert.That((upstream.BootstrapServers, upstream.Shards, ours.BootstrapServers), Is.EqualTo(("upstream:1", 3, "ours:1")));
    }

    [Test]
    public void Replay_reads_the_file_and_the_environment_too()
    {
        var env = Env(("ATTRIBUTION_SHARDS", "2"));
        var all = ReplayOptionsReader.Read(["--config", _file, "--shards", "1"], env);
        var noFlag = ReplayOptionsReader.Read(["--config", _file], env);
        var fileOnly = ReplayOptionsReader.Read(["--config", _file], Env());
        Assert.That((all.Shards, noFlag.Shards, fileOnly.Shards), Is.EqualTo((1, 2, 3)));
        Assert.That(fileOnly.Config.ClickHistory, Is.EqualTo(3));
        Assert.That(fileOnly.Quiet, Is.True, "a level above information keeps the summary quiet");
    }

    [Test]
    public void A_bad_value_is_named_by_the_layer_that_gave_it()
    {
        string Problem(string[] args, Dictionary<string, string> env)
            => Assert.Throws<UsageException>(() => RunOptionsReader.Read(args, env))!.Message;
        File.WriteAllText(_file, """{ "bootstrap_servers": "f:1", "shards": 999 }""");
        Assert.That(Problem(["--config", _file], Env()), Does.StartWith($"shards in {Path.GetFileName(_file)} needs a whole number from 1 to 256"));
        Assert.That(Problem(["--config", _file], Env(("ATTRIBUTION_SHARDS", "0"))), Does.StartWith("ATTRIBUTION_SHARDS needs a whole number from 1 to 256"));
        Assert.That(Problem(["--config", _file, "--shards", "x"], Env(("ATTRIBUTION_SHARDS", "0"))), Does.StartWith("--shards needs a whole number"));
        Assert.That(Problem(["--config", _file, "--shards", "1", "--log-level", "loud"], Env()), Does.StartWith("--log-level must be one of trace, debug, information"));
    }

    [Test]
    public void An_unknown_key_in_the_file_fails_with_the_closest_known_key()
    {
        File.WriteAllText(_file, """{ "bootstrap_servers": "f:1", "click_histroy": 2 }""");
        var e = Assert.Throws<UsageException>(() => RunOptionsReader.Read(["--config", _file], Env()));
        Assert.That(e!.Message, Is.EqualTo($"The config file {Path.GetFileName(_file)} has an unknown key 'click_histroy' (did you mean 'click_history'?)."));
    }
}
