using Attribution.Engine.Pipeline;
using Attribution.Host.Kafka;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The transaction loop is entered by one thread: work other threads hand it (rebalances, rewinds, snapshot
/// cuts, the stop) runs on its own thread, one item at a time, and on the caller only once the loop has ended.
/// </summary>
public class TransactionLoopTests
{
    [Test]
    public void Work_from_many_threads_runs_on_the_loop_thread_one_item_at_a_time_and_on_the_caller_after_the_stop()
    {
        var options = new RunOptions { BootstrapServers = "127.0.0.1:1", CommitInterval = TimeSpan.FromMilliseconds(5) };
        var log = new RunLog(TextWriter.Null);
        var stats = new PipelineStats();
        var state = new RunState();
        var letters = new DeadLetterQueue();
        var table = new PartitionTable(options, log, stats, letters, state);
        var collector = new OutputCollector(table.Slots, stats);
        using var observer = new PipelineObserver(options, log, stats);
        using var engine = new AttributionEngine(new EngineOptions { Shards = 1, MultiProducer = true, Wait = WaitKind.Blocking, ClickMemoryBytes = 1 << 20, ConversionMemoryBytes = 1 << 20, IndexBuckets = 1 << 10 }, collector);
        using var sink = new TransactionalSink(options, log, stats, KafkaSupplier.Default, _ => { });
        using var loop = new TransactionLoop(options, log, engine, sink, collector, letters, table, observer, stats, state);
        loop.Start(null!); // no partition is owned, so no cycle reads the consumer

        var names = new System.Collections.Concurrent.ConcurrentBag<string?>();
        int inside = 0, overlaps = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ => loop.Invoke(() =>
        {
            if (Interlocked.Increment(ref inside) > 1)
            {
                Interlocked.Increment(ref overlaps);
            }
            names.Add(Thread.CurrentThread.Name);
            Thread.SpinWait(2_000);
            Interlocked.Decrement(ref inside);
        }));
        Assert.That(names, Has.Count.EqualTo(200));
        Assert.That(names.Distinct(), Is.EqualTo(new[] { "attribution-transactions" }), "every item on the loop's thread");
        Assert.That(overlaps, Is.Zero, "one item at a time");
        Assert.Throws<InvalidOperationException>(() => loop.Invoke(() => throw new InvalidOperationException("raised on the loop")), "a failure reaches the caller");

        loop.Stop();
        string? after = "unset";
        loop.Invoke(() => after = Thread.CurrentThread.Name);
        Assert.That(after, Is.EqualTo(Thread.CurrentThread.Name), "once the loop ended the caller is the only thread left");
    }
}
