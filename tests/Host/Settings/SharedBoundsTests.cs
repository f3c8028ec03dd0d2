using System.Text;
using Attribution.Host.Cli;
using Attribution.Host.Replay;
using Attribution.Host.Run;
using Attribution.Native;

namespace Attribution.Tests.Host.Settings;

/// <summary>A bound the engine owns is the same whether the value reaches it through run, replay or the C ABI's configuration.</summary>
public class SharedBoundsTests
{
    private static readonly Dictionary<string, string> NoEnvironment = new();

    // flag, C ABI key, value, accepted: the literals are the documented bounds, not read back from the code.
    [TestCase("--click-history", "click_history", 0, false)]
    [TestCase("--click-history", "click_history", 1, true)]
    [TestCase("--click-history", "click_history", 4, true)]
    [TestCase("--click-history", "click_history", 5, false)]
    [TestCase("--click-history", "click_history", 64, false)]
    [TestCase("--max-record-bytes", "max_record_bytes", 255, false)]
    [TestCase("--max-record-bytes", "max_record_bytes", 256, true)]
    [TestCase("--max-record-bytes", "max_record_bytes", 16_777_216, true)]
    [TestCase("--max-record-bytes", "max_record_bytes", 16_777_217, false)]
    [TestCase("--clock-confirmations", "clock_confirmations", 8, true)]
    [TestCase("--clock-confirmations", "clock_confirmations", 9, false)]
    [TestCase("--shards", "shards", 256, true)]
    [TestCase("--shards", "shards", 257, false)]
    [TestCase("--index-buckets", "index_buckets", 32, false)]
    [TestCase("--index-buckets", "index_buckets", 64, true)]
    [TestCase("--index-buckets", "index_buckets", 1_073_741_824, true)]
    public void Run_replay_and_the_C_ABI_accept_and_refuse_the_same_values(string flag, string key, int value, bool accepted)
    {
        string text = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? run = Problem(() => RunOptionsReader.Read(["--bootstrap-servers", "x:1", flag, text], NoEnvironment));
        string? replay = Problem(() => ReplayOptionsReader.Read([flag, text], NoEnvironment));
        NativeConfig.Parse(Encoding.UTF8.GetBytes($"{{\"{key}\":{text}}}"), out string? abi);
        TestContext.Out.WriteLine($"run: {run}\nreplay: {replay}\nC ABI: {abi}");
        Assert.That((run is null, replay is null, abi is null), Is.EqualTo((accepted, accepted, accepted)));
        if (!accepted)
        {
            Assert.That(run, Does.StartWith(flag));
            Assert.That(replay, Does.StartWith(flag));
            Assert.That(abi, Does.Contain($"\"{key}\""));
        }
    }

    [Test]
    public void An_index_size_that_is_not_a_power_of_two_is_refused_at_start_by_run_replay_and_the_C_ABI()
    {
        string? run = Problem(() => RunOptionsReader.Read(["--bootstrap-servers", "x:1", "--index-buckets", "1000"], NoEnvironment));
        string? replay = Problem(() => ReplayOptionsReader.Read(["--index-buckets", "1000"], NoEnvironment));
        NativeConfig.Parse(Encoding.UTF8.GetBytes("{\"index_buckets\":1000}"), out string? abi);
        TestContext.Out.WriteLine($"run: {run}\nreplay: {replay}\nC ABI: {abi}");
        Assert.That(run, Does.Contain("power of two").And.Contain("1000"));
        Assert.That(replay, Does.Contain("power of two").And.Contain("1000"));
        Assert.That(abi, Does.Contain("power of two"));
    }

    [TestCase("256", true)]
    [TestCase("257", false)]
    public void The_engine_bench_takes_the_engines_shard_bound(string shards, bool accepted)
    {
        var command = new System.CommandLine.Command("engine");
        foreach (var flag in global::Attribution.Bench.Engine.EngineBenchOptions.Flags)
        {
            command.Options.Add(flag);
        }
        var parse = command.Parse(["--shards", shards]);
        Assert.That(parse.Errors, accepted ? Is.Empty : Has.Count.EqualTo(1));
        if (!accepted)
        {
            Assert.That(parse.Errors[0].Message, Is.EqualTo($"--shards needs a whole number from 1 to 256; got '{shards}'."));
        }
    }

    private static string? Problem(Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (UsageException e)
        {
            return e.Message;
        }
    }
}
