using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// A downstream read_committed consumer of the output topic running while the hosts work (and are killed): on a
/// cluster that keeps transaction state it must never see a record of an aborted or unfinished transaction, so
/// everything it sees is in the final read-back, once. The embedded broker keeps none (its read_committed readers see
/// aborted records), which <see cref="KafkaTestCluster.ProbeTransactions"/> detects: there the check is reported as
/// not applicable instead of asserted.
/// </summary>
internal sealed class ConcurrentCommittedReader : IDisposable
{
    private readonly KafkaTestCluster _cluster;
    private readonly List<(int Partition, long Offset)> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private Exception? _failure;

    /// <summary>Starts reading the output topic from its start.</summary>
    public ConcurrentCommittedReader(KafkaTestCluster cluster)
    {
        _cluster = cluster;
        _thread = new Thread(Read) { IsBackground = true, Name = "read_committed reader" };
        _thread.Start();
    }

    private void Read()
    {
        try
        {
            string topic = _cluster.Name(RunTestKit.Output);
            // Its broker-down notices would go to standard error without a handler: the chaos loop takes brokers down on purpose.
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClients.Consumer(_cluster, KafkaTestClients.Unique("downstream"))).SetLogHandler((_, _) => { }).Build();
            consumer.Subscribe(topic);
            while (!_stop.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (r is { IsPartitionEOF: false })
                {
                    var at = RunTestKit.Coordinates(r.Message.Headers, "src", topic);
                    lock (_seen)
                    {
                        _seen.Add(at);
                    }
                }
            }
            consumer.Close();
        }
        catch (Exception e) when (e is KafkaException or AssertionException)
        {
            _failure = e;
        }
    }

    /// <summary>
    /// Stops reading once it caught up with <paramref name="final"/> (the verdict's read-back) and checks what it saw:
    /// asserted where the cluster hides aborted records, reported as not applicable where it does not.
    /// </summary>
    public void Check(IReadOnlyCollection<RunTestKit.ReadBack> final)
    {
        ArgumentNullException.ThrowIfNull(final);
        var committed = final.Select(r => (r.SourcePartition, r.SourceOffset)).ToHashSet();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Count(at => committed.Contains(at)) < committed.Count && clock.Elapsed < KafkaTestClients.Patience && _failure is null)
        {
            Thread.Sleep(100);
        }
        _stop.Cancel();
        _thread.Join(KafkaTestClients.Patience);
        Assert.That(_failure, Is.Null, () => $"the concurrent reader failed: {_failure}");
        List<(int, long)> seen;
        lock (_seen)
        {
            seen = [.. _seen];
        }
        int duplicates = seen.Count - seen.Distinct().Count();
        int uncommitted = seen.Count(at => !committed.Contains(at));
        bool hides = _cluster.HidesAbortedRecords ?? _cluster.ProbeTransactions();
        string tally = $"concurrent read_committed reader saw {seen.Count} records ({duplicates} repeated, {uncommitted} not in the committed output) of {committed.Count} committed";
        if (!hides)
        {
            TestContext.Progress.WriteLine($"aborted-transaction check: NOT APPLICABLE — this broker showed an aborted transaction's record to read_committed (it keeps no transaction state); {tally}");
            return;
        }
        TestContext.Progress.WriteLine($"aborted-transaction check: applied — the cluster hid the probe's aborted record; {tally}");
        Assert.That((duplicates, uncommitted), Is.EqualTo((0, 0)), "read_committed never shows a record of an aborted or open transaction");
        Assert.That(seen.Count, Is.EqualTo(committed.Count), "the concurrent reader saw every committed output");
    }

    private int Count(Func<(int, long), bool> match)
    {
        lock (_seen)
        {
            return _seen.Distinct().Count(match);
        }
    }

    /// <summary>Stops reading.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join(KafkaTestClients.Patience);
        _stop.Dispose();
    }
}
