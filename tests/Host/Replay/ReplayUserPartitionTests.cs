using System.Globalization;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Host.Replay;

/// <summary>
/// <c>replay</c> partitions by <c>XXH3_64(user_id) mod P</c>, as before the host's re-key stage: a file has no Kafka
/// partitions or keys, so every event of a user is in one partition whatever the order of the lines. The input keying
/// (<c>--input-keying rekey|trust|reject</c>) is a setting of <c>run</c> only; <c>replay</c> refuses it.
/// </summary>
[Category(TestCategories.Slow)]
public class ReplayUserPartitionTests
{
    [Test]
    public void Replay_partitions_by_the_user_id_hash_whatever_the_order_of_the_lines()
    {
        int seed = TestSeed.Get();
        var stream = UserHashStream.Generate(seed, 6_000);
        string dir = Directory.CreateTempSubdirectory("attr-replay-hash-").FullName;
        try
        {
            string input = Path.Combine(dir, "in.jsonl");
            string output = Path.Combine(dir, "out.jsonl");
            File.WriteAllLines(input, stream.Lines());
            var c = stream.Config;
            var (exit, _, stderr) = ReplayCommandTests.RunCli("", "replay", "--input", input, "--output", output, "--quiet", "--shards", "2",
                "--window-hours", (c.WindowMs / 3_600_000d).ToString("R", CultureInfo.InvariantCulture),
                "--allowed-lateness", c.AllowedLatenessMs + "ms",
                "--conversion-retention", c.EffectiveConversionRetentionMs + "ms",
                "--partitions", c.Partitions.ToString(CultureInfo.InvariantCulture),
                "--click-history", c.ClickHistory.ToString(CultureInfo.InvariantCulture));
            Assert.That(exit, Is.Zero, stderr);
            var actual = stream.Parse(File.ReadAllLines(output));
            Assert.That(stream.Difference(actual), Is.Null, $"seed {seed}");
            Assert.That(actual, Has.Count.EqualTo(stream.Expected.Outputs.Count));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Replay_refuses_the_run_only_input_keying_setting()
    {
        var (exit, _, stderr) = ReplayCommandTests.RunCli("", "replay", "--input-keying", "trust");
        TestContext.Out.WriteLine(stderr);
        Assert.That(exit, Is.EqualTo(2), "a usage error");
        Assert.That(stderr, Does.Contain("--input-keying"));
    }
}
