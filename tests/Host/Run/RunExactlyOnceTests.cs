using System.Net.Http;
using System.Net.Sockets;
using Attribution.Testing.Kafka;
using Attribution.Tests.Engine.Attribution;
using Confluent.Kafka;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// <c>attribution run</c> as a child process against the embedded broker (or the real cluster
/// ATTRIBUTION_TEST_BOOTSTRAP names): input produced by kcat, output read back with read_committed and compared with
/// the reference model, record by record — in a plain run, across SIGKILLs, and under broker faults — while a
/// concurrent read_committed reader checks that no aborted record is ever visible. Seeds are printed (ATTRIBUTION_SEED replays).
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunExactlyOnceTests
{
    private static readonly TimeSpan Catchup = TimeSpan.FromSeconds(60);

    [Test]
    public void Kcat_input_is_attributed_exactly_as_the_reference_model_says_and_metrics_are_served()
        => PlainRun(Generate(TestSeed.Get(), 4_000), environment: null);

    /// <summary>The plain run on the suite's cluster; <paramref name="environment"/> null: the process environment.</summary>
    internal static void PlainRun(Scenario s, System.Collections.IDictionary? environment)
    {
        var kcat = FindKcat();
        using var cluster = StartSuiteCluster(s.Partitions, environment: environment);
        using var reader = new ConcurrentCommittedReader(cluster);
        ProduceWithKcat(kcat, cluster, s, 0, s.Items.Count);
        int port = FreePort();
        using var host = StartHost(cluster, HostArgs(cluster, s.Config, "plain", "--metrics-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), Catchup, host), Is.True, () => $"the host did not commit all input; stderr:\n{host.StderrText}");
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            var health = http.GetAsync($"http://127.0.0.1:{port}/health").GetAwaiter().GetResult();
            Assert.That((int)health.StatusCode, Is.EqualTo(200), "healthy while it owns its partitions");
            string metrics = http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
            // The exact outputs are the verdict's below; the counter must count each of them once.
            int attributed = ReadOutputs(cluster).Count;
            Assert.That(metrics, Does.Contain($"attribution_attributions_produced_total {attributed}\n"));
            Assert.That(metrics, Does.Contain("# TYPE attribution_end_to_end_latency_seconds histogram"));
            Assert.That(metrics, Does.Match(@"\nattribution_end_to_end_latency_seconds_count [1-9]\d*\n"), "latencies of committed attributions");
            Assert.That(metrics, Does.Contain("attribution_events_total{kind=\"click\"}").And.Contain("attribution_outcomes_total{outcome=").And.Contain("\nprocess_cpu_seconds_total "));
            Assert.That(metrics, Does.Contain("attribution_events_rejected_total{reason=\"invalid_json\"}"));
        }
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);
        Assert.That(Verdict(cluster, s), Is.Null);
        reader.Check(ReadOutputs(cluster));
    }

    [Test]
    public void Host_killed_with_SIGKILL_mid_stream_and_restarted_produces_each_output_once()
    {
        var kcat = FindKcat();
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        var s = Generate(seed, 8_000);
        using var cluster = StartSuiteCluster(s.Partitions);
        using var reader = new ConcurrentCommittedReader(cluster);
        const int rounds = 4;
        int chunk = (s.Items.Count + rounds - 1) / rounds;
        int recoveriesWithLeftovers = 0;
        for (int round = 0; round < rounds; round++)
        {
            int to = Math.Min(s.Items.Count, (round + 1) * chunk);
            ProduceWithKcat(kcat, cluster, s, round * chunk, to);
            long before = Committed(cluster, s.Partitions).Where(c => c > 0).Sum();
            using var host = StartHost(cluster, HostArgs(cluster, s.Config, "killed"));
            if (round < rounds - 1)
            {
                // Kill once this round's work is under way: at least one transaction of it committed.
                var clock = System.Diagnostics.Stopwatch.StartNew();
                while (Committed(cluster, s.Partitions).Where(c => c > 0).Sum() <= before && clock.Elapsed < Catchup && !host.HasExited)
                {
                    Thread.Sleep(20);
                }
                Thread.Sleep(rng.Next(0, 150));
                host.Kill();
                var committed = Committed(cluster, s.Partitions);
                TestContext.Out.WriteLine($"round {round}: SIGKILL with committed offsets [{string.Join(",", committed)}] of [{string.Join(",", Ends(s, to))}]");
            }
            else
            {
                Assert.That(WaitForCommitted(cluster, Ends(s, to), Catchup, host), Is.True, () => $"the last host did not catch up; stderr:\n{host.StderrText}");
                host.Terminate();
                Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);
            }
            recoveriesWithLeftovers += host.Stderr.Count(l => l.Contains("recovery partition=", StringComparison.Ordinal) && !l.Contains("outputs_already_in_kafka=0 ", StringComparison.Ordinal));
        }
        TestContext.Out.WriteLine($"partition recoveries that found outputs of an uncommitted transaction in Kafka: {recoveriesWithLeftovers}");
        Assert.That(Verdict(cluster, s), Is.Null);
        reader.Check(ReadOutputs(cluster));
    }

    [Test]
    public void Broker_faults_while_the_host_runs_leave_the_output_exact()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 6_000);
        using var cluster = StartSuiteCluster(s.Partitions);
        using var reader = new ConcurrentCommittedReader(cluster);
        int quarter = s.Items.Count / 4;
        // Only the embedded broker can be told to fail; on a real cluster the same traffic runs without injected faults.
        var faults = cluster.Faults;
        if (faults is null)
        {
            TestContext.Progress.WriteLine("broker fault injection: NOT APPLICABLE on a real cluster; the traffic runs without injected faults");
        }

        // Errors on Produce and EndTxn (the commit): pushed before the host starts, because the broker hands
        // them to whichever client asks next and kcat produces too. NotLeader and RequestTimedOut are retried
        // by the producer; InvalidRecord fails a batch for good, so its transaction aborts and the host redoes
        // the work; the EndTxn errors are retried by the commit.
        ProduceWithKcat(kcat, cluster, s, 0, quarter);
        faults?.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.InvalidRecord);
        faults?.PushRequestErrors(KafkaApiKey.EndTxn, ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup, ErrorCode.ConcurrentTransactions);
        using var host = StartHost(cluster, HostArgs(cluster, s.Config, "faults", "--transaction-timeout", "8s"));
        Assert.That(WaitForCommitted(cluster, Ends(s, quarter), Catchup, host), Is.True, () => $"no progress after Produce/EndTxn errors; stderr:\n{host.StderrText}");

        // Broker down, then up, while the host works.
        ProduceWithKcat(kcat, cluster, s, quarter, 2 * quarter);
        faults?.SetBrokerDown(1);
        Thread.Sleep(1_500);
        faults?.SetBrokerUp(1);
        Assert.That(WaitForCommitted(cluster, Ends(s, 2 * quarter), Catchup, host), Is.True, () => $"no progress after the outage; stderr:\n{host.StderrText}");

        // Slow responses.
        faults?.SetBrokerRtt(1, 250);
        ProduceWithKcat(kcat, cluster, s, 2 * quarter, 3 * quarter);
        Assert.That(WaitForCommitted(cluster, Ends(s, 3 * quarter), Catchup, host), Is.True, () => $"no progress with slow responses; stderr:\n{host.StderrText}");
        faults?.SetBrokerRtt(1, 0);

        ProduceWithKcat(kcat, cluster, s, 3 * quarter, s.Items.Count);
        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), Catchup, host), Is.True, () => $"no progress at the end; stderr:\n{host.StderrText}");

        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);
        TestContext.Out.WriteLine(string.Join("\n", host.Stderr.Where(l => l.Contains(" warn ", StringComparison.Ordinal) || l.Contains("stopped", StringComparison.Ordinal)).Take(40)));
        Assert.That(Verdict(cluster, s), Is.Null);
        reader.Check(ReadOutputs(cluster));
    }
}
