using Attribution.Host.Cli;

namespace Attribution.Tests.Host.Replay;

public class CommandLineTests
{
    private static readonly string[] Values = ["--input", "--window-hours", "--allowed-lateness", "--partitions"];
    private static readonly string[] Switches = ["--quiet"];

    [Test]
    public void Accepts_space_and_equals_forms()
    {
        var cl = CommandLine.Parse("replay", ["--input", "a.jsonl", "--partitions=8", "--quiet"], Values, Switches);
        Assert.Multiple(() =>
        {
            Assert.That(cl.Get("--input"), Is.EqualTo("a.jsonl"));
            Assert.That(cl.GetInt("--partitions", 64, 1, 100), Is.EqualTo(8));
            Assert.That(cl.Has("--quiet"), Is.True);
        });
    }

    [TestCase("--bogus", "'--bogus' is not a flag of 'replay'")]
    [TestCase("--input", "The flag --input needs a value.")]
    [TestCase("input.jsonl", "'input.jsonl' is not a flag of 'replay'")]
    public void Bad_flags_fail_with_a_sentence(string arg, string expected)
    {
        var e = Assert.Throws<UsageException>(() => CommandLine.Parse("replay", [arg], Values, Switches));
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
        => Assert.That(CommandLine.ParseDurationMs("--allowed-lateness", text), Is.EqualTo(ms));

    [TestCase("10")]
    [TestCase("-1h")]
    [TestCase("h")]
    [TestCase("1w")]
    public void Bad_durations_are_refused(string text)
        => Assert.Throws<UsageException>(() => CommandLine.ParseDurationMs("--allowed-lateness", text));

    [TestCase("0")]
    [TestCase("-3")]
    [TestCase("abc")]
    public void Window_hours_must_be_positive(string text)
    {
        var cl = CommandLine.Parse("replay", ["--window-hours", text], Values, Switches);
        Assert.Throws<UsageException>(() => cl.GetHoursAsMs("--window-hours", 1));
    }
}
