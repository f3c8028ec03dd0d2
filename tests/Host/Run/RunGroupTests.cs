using System.Diagnostics;
using Attribution.Tests.Engine.Attribution;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>Several hosts in one consumer group: partitions move between them (revoked → committed first), and a duplicate host id is fenced.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunGroupTests
{
    private static readonly TimeSpan Catchup = TimeSpan.FromSeconds(60);

    [Test]
    public void Partitions_moving_between_two_hosts_keep_the_output_exact()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 6_000);
        using var cluster = StartCluster(Math.Max(2, s.Partitions));
        int third = s.Items.Count / 3;

        ProduceWithKcat(kcat, cluster, s, 0, third);
        using var a = HostProcess.Start(HostArgs(cluster, s.Config, "host-a"));
        Assert.That(WaitForCommitted(cluster, Ends(s, third), Catchup, a), Is.True, () => a.StderrText);

        // B joins: the cooperative rebalance moves some partitions from A (which commits them first) to B.
        using var b = HostProcess.Start(HostArgs(cluster, s.Config, "host-b"));
        ProduceWithKcat(kcat, cluster, s, third, third + third / 2);
        var clock = Stopwatch.StartNew();
        while (!b.Stderr.Any(l => l.Contains("rebalance assigned partitions=", StringComparison.Ordinal) && !l.EndsWith('=')) && clock.Elapsed < Catchup)
        {
            Thread.Sleep(100);
        }
        Assert.That(a.Stderr.Any(l => l.Contains("rebalance revoked", StringComparison.Ordinal)), Is.True, () => $"A gave nothing to B:\n{a.StderrText}\nB:\n{b.StderrText}");
        ProduceWithKcat(kcat, cluster, s, third + third / 2, 2 * third);
        Assert.That(WaitForCommitted(cluster, Ends(s, 2 * third), Catchup, b), Is.True, () => $"A:\n{a.StderrText}\nB:\n{b.StderrText}");

        // A leaves cleanly: its partitions go to B.
        a.Terminate();
        Assert.That(a.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => a.StderrText);
        ProduceWithKcat(kcat, cluster, s, 2 * third, s.Items.Count);
        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), Catchup, b), Is.True, () => b.StderrText);
        b.Terminate();
        Assert.That(b.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => b.StderrText);

        string Moves(HostProcess h) => string.Join(" | ", h.Stderr.Where(l => l.Contains(" rebalance ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("rebalance", StringComparison.Ordinal) + 10)..]));
        TestContext.Out.WriteLine($"A: {Moves(a)}\nB: {Moves(b)}");
        Assert.That(Verdict(cluster, s), Is.Null);
    }

    [Test]
    public void A_fenced_producer_stops_the_host_with_exit_1_and_a_restart_completes_the_output_exactly()
    {
        // The embedded broker keeps no transaction state, so a second host with the same id does not fence the
        // first there; the broker's answer to a fenced producer is injected instead (only the host sends EndTxn).
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 3_000);
        using var cluster = StartCluster(s.Partitions);
        int half = s.Items.Count / 2;
        ProduceWithKcat(kcat, cluster, s, 0, half);
        using (var first = HostProcess.Start(HostArgs(cluster, s.Config, "fenced")))
        {
            Assert.That(WaitForCommitted(cluster, Ends(s, half), Catchup, first), Is.True, () => first.StderrText);
            cluster.PushRequestErrors(global::Attribution.Testing.Kafka.KafkaApiKey.EndTxn, Confluent.Kafka.ErrorCode.ProducerFenced);
            ProduceWithKcat(kcat, cluster, s, half, s.Items.Count);
            Assert.That(first.WaitForExit(TimeSpan.FromSeconds(60)), Is.EqualTo(1), () => first.StderrText);
            TestContext.Out.WriteLine(first.Stderr[^1]);
            Assert.That(first.Stderr[^1], Does.StartWith("attribution run: The producer was fenced: another host started with transactional.id 'attribution-attribution-fenced'"));
        }
        using var second = HostProcess.Start(HostArgs(cluster, s.Config, "fenced"));
        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), Catchup, second), Is.True, () => second.StderrText);
        second.Terminate();
        Assert.That(second.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => second.StderrText);
        Assert.That(Verdict(cluster, s), Is.Null);
    }
}
