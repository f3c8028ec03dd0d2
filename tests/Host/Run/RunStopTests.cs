using System.Diagnostics;
using Attribution.Tests.Engine.Attribution;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>A stop signal is honoured in bounded time even when Kafka stops answering.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunStopTests
{
    [Test]
    public void SIGTERM_while_a_transaction_cannot_commit_ends_the_host_within_the_grace_with_one_sentence_and_loses_nothing()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 1_000);
        using var cluster = StartCluster(s.Partitions);
        ProduceWithKcat(kcat, cluster, s, 0, s.Items.Count / 2);
        // With the metrics server on: its stop must not hold the process past the bound either.
        using var host = HostProcess.Start(HostArgs(cluster, s.Config, "stuck", "--metrics-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count / 2), TimeSpan.FromSeconds(60), host), Is.True, () => host.StderrText);

        // Every EndTxn is answered with a retriable error from now on: the next transaction cannot commit, and the
        // host keeps retrying it (up to the transaction timeout, 60 s) — a stop must not wait for that.
        cluster.PushRequestErrors(global::Attribution.Testing.Kafka.KafkaApiKey.EndTxn, Enumerable.Repeat(Confluent.Kafka.ErrorCode.GroupLoadInProgress, 3000).ToArray());
        ProduceWithKcat(kcat, cluster, s, s.Items.Count / 2, s.Items.Count);
        var waiting = Stopwatch.StartNew();
        while (!host.Stderr.Any(l => l.Contains("commit_retry", StringComparison.Ordinal) || l.Contains("txn", StringComparison.OrdinalIgnoreCase) && l.Contains("warn", StringComparison.Ordinal)) && waiting.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(100);
        }
        TestContext.Out.WriteLine($"stuck after {waiting.Elapsed.TotalSeconds:F1} s: {host.Stderr.LastOrDefault(l => l.Contains("warn", StringComparison.Ordinal))}");
        var clock = Stopwatch.StartNew();
        host.Terminate();
        int code = host.WaitForExit(global::Attribution.Host.Run.RunCommand.StopGrace + TimeSpan.FromSeconds(15));
        TestContext.Out.WriteLine($"exit {code} after {clock.Elapsed.TotalSeconds:F1} s: {host.Stderr[^1]}");
        cluster.ClearRequestErrors(global::Attribution.Testing.Kafka.KafkaApiKey.EndTxn);
        Assert.That(code, Is.EqualTo(1), () => host.StderrText);
        Assert.That(clock.Elapsed, Is.LessThan(global::Attribution.Host.Run.RunCommand.StopGrace + TimeSpan.FromSeconds(10)));
        Assert.That(host.Stderr[^1], Does.StartWith("attribution run: The host did not finish stopping within 20 s"));

        // Nothing was lost: a restarted host completes the output exactly.
        using var again = HostProcess.Start(HostArgs(cluster, s.Config, "stuck"));
        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), TimeSpan.FromSeconds(90), again), Is.True, () => again.StderrText);
        again.Terminate();
        Assert.That(again.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => again.StderrText);
        Assert.That(Verdict(cluster, s), Is.Null);
    }
}
