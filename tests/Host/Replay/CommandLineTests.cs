using Attribution.Host.Cli;
using Attribution.Host.Replay;
using Attribution.Host.Settings;

namespace Attribution.Tests.Host.Replay;

/// <summary>The grammar of replay's flags (System.CommandLine) and the value rules every setting shares.</summary>
public class CommandLineTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    [Test]
    public void Accepts_space_and_equals_forms()
    {
        var o = ReplayOptionsReader.Read(["--input", "a.jsonl", "--partitions=8", "--quiet"], NoEnvironment);
        Assert.Multiple(() =>
        {
            Assert.That(o.InputPath, Is.EqualTo("a.jsonl"));
            Assert.That(o.Config.Partitions, Is.EqualTo(8));
            Assert.That(o.Quiet, Is.True);
        });
    }

    [TestCase("--bogus", "'--bogus' is not a flag of 'replay'")]
    [TestCase("--input", "The flag --input needs a value.")]
    [TestCase("input.jsonl", "'input.jsonl' is not a flag of 'replay'")]
    public void Bad_flags_fail_with_a_sentence(string arg, string expected)
    {
        var e = Assert.Throws<UsageException>(() => ReplayOptionsReader.Read([arg], NoEnvironment));
        Assert.That(e!.Message, Does.StartWith(expected));
    }

    [TestCase("500ms", 500L)]
    [TestCase("30s", 30_000L)]
    [TestCase("15m", 900_000L)]
    [TestCase("1h", 3_600_000L)]
    [TestCase("2d", 172_800_000L)]
    [TestCase("0", 0L)]
    [TestCase("1.5h", 5_400_000L)]
    public void Durations_need_a_unit(string text, long ms)
        => Assert.That(SettingReader.ParseDurationMs("--allowed-lateness", text), Is.EqualTo(ms));

    [TestCase("10")]
    [TestCase("-1h")]
    [TestCase("h")]
    [TestCase("1w")]
    public void Bad_durations_are_refused(string text)
        => Assert.Throws<UsageException>(() => SettingReader.ParseDurationMs("--allowed-lateness", text));

    [TestCase("0")]
    [TestCase("-3")]
    [TestCase("abc")]
    public void Window_hours_must_be_positive(string text)
    {
        var e = Assert.Throws<UsageException>(() => ReplayOptionsReader.Read(["--window-hours", text], NoEnvironment));
        Assert.That(e!.Message, Does.StartWith("--window-hours needs a positive number of hours"));
    }
}
