using System.Diagnostics;
using Attribution.Host.Demo;
using Attribution.Tests.Engine.Attribution;
using Confluent.Kafka;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The production commit path is KIP-447 only: without the test-broker switch a host sends its offsets to
/// its transactions and nothing else, so on the embedded broker (which drops them) the group stores none,
/// while the output is still exact.
/// </summary>
[NonParallelizable]
public class RunCommitPathTests
{
    [Test]
    public void Without_the_test_broker_switch_offsets_are_committed_only_inside_the_transactions()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 1_500);
        using var cluster = StartCluster(s.Partitions);
        ProduceWithKcat(kcat, cluster, s, 0, s.Items.Count);
        using var host = HostProcess.Start(HostArgs(cluster, s.Config, "kip447"), new Dictionary<string, string?> { [TestBrokerSwitch.Variable] = null });

        var clock = Stopwatch.StartNew();
        string? verdict = Verdict(cluster, s);
        while (verdict is not null && clock.Elapsed < TimeSpan.FromSeconds(90) && !host.HasExited)
        {
            Thread.Sleep(500);
            verdict = Verdict(cluster, s);
        }
        Assert.That(verdict, Is.Null, () => $"the output is exact without the shim too; stderr:\n{host.StderrText}");
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);
        Assert.That(Committed(cluster, s.Partitions), Has.All.EqualTo(Offset.Unset.Value),
            "the embedded broker drops offsets sent to a transaction; a plain commit would have stored them");
    }
}
