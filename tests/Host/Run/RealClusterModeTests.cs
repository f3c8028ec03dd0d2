using System.Collections;
using System.Diagnostics;
using System.Globalization;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The plumbing of the real-cluster test mode, tried here without a real cluster: <c>attribution broker --port N</c>
/// runs as a separate process (the built apphost) and an exactly-once scenario of the suite runs with
/// <c>ATTRIBUTION_TEST_BOOTSTRAP</c> naming it — unique topic names, the hosts told about them, the aborted-transaction
/// probe deciding the commit path and reporting its check as not applicable (that broker keeps no transaction state).
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RealClusterModeTests
{
    private const int Partitions = 4;

    [Test]
    public void An_exactly_once_scenario_runs_against_the_cluster_ATTRIBUTION_TEST_BOOTSTRAP_names()
    {
        int port = FreePort();
        string suffix = "plumb" + Guid.NewGuid().ToString("N")[..6];
        // That broker cannot create topics (no CreateTopics), so it is started with the test's suffixed names.
        string[] topics = [Input, Output, DeadLetters, RekeyedVerdict.Topic, "txn-probe"];
        using var broker = StartBroker(port, topics.Select(t => $"{t}-{suffix}"));
        try
        {
            RunAgainst(broker, port, suffix);
        }
        finally
        {
            if (!broker.HasExited)
            {
                broker.Kill();
                broker.WaitForExit(10_000);
            }
        }
    }

    private static void RunAgainst(Process broker, int port, string suffix)
    {
        var s = Generate(TestSeed.Get(), 2_000, partitions: Partitions);

        var environment = new Hashtable
        {
            [KafkaTestCluster.BootstrapVariable] = $"127.0.0.1:{port}",
            [KafkaTestCluster.TopicSuffixVariable] = suffix,
        };
        RunExactlyOnceTests.PlainRun(s, environment);

        // The scenario's records went to that broker's suffixed input topic, not to a broker of its own.
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = $"127.0.0.1:{port}", GroupId = KafkaTestClients.Unique("marks") }).Build();
        long records = Enumerable.Range(0, Partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition($"{Input}-{suffix}", p), KafkaTestClients.Patience).High.Value);
        Assert.That(records, Is.EqualTo(s.Items.Count), "every input record is on the pinned broker's suffixed topic");
        Assert.That(broker.HasExited, Is.False, "the broker process served the whole scenario");
    }

    private static Process StartBroker(int port, IEnumerable<string> topics)
    {
        string apphost = Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution");
        var start = new ProcessStartInfo(apphost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "broker", "--port", port.ToString(CultureInfo.InvariantCulture), "--partitions", Partitions.ToString(CultureInfo.InvariantCulture), "--topics", string.Join(',', topics) })
        {
            start.ArgumentList.Add(a);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("the apphost could not be started");
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { errors.Enqueue(e.Data); } }; // drained, so the broker never blocks on a full pipe
        process.BeginErrorReadLine();
        var first = process.StandardOutput.ReadLineAsync();
        Assert.That(first.Wait(KafkaTestClients.Patience), Is.True, "the broker prints its bootstrap line");
        Assert.That(first.Result, Is.EqualTo($"bootstrap: 127.0.0.1:{port}"), () => string.Join("\n", errors));
        return process;
    }
}
