using System.Diagnostics;
using System.Text;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Reliability;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>
/// A fault of the engine's own output or state stops it at once with its cause (the next Submit, Flush or snapshot
/// throws <see cref="ShardFailedException"/>, nothing waits for a timeout), while a bad record only gets counted.
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class ShardFaultTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test]
    public void Output_sink_that_throws_stops_the_engine_and_flush_reports_the_cause_at_once()
    {
        var output = new FailingOutput(failAfter: 3);
        using var engine = new AttributionEngine(new EngineOptions { Shards = 2, Wait = WaitKind.Blocking }, output);
        var clock = Stopwatch.StartNew();
        var failure = Assert.Throws<ShardFailedException>(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                engine.Submit(Click(i), 2L * i);
                engine.Submit(Conversion(i), 2L * i + 1);
                if (i % 100 == 99)
                {
                    engine.Flush(TimeSpan.FromMinutes(5));
                }
            }
            engine.Flush(TimeSpan.FromMinutes(5));
        })!;
        TestContext.Out.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: {failure.Message}");
        Assert.That(clock.Elapsed, Is.LessThan(Bound));
        Assert.That(failure.InnerException, Is.SameAs(output.Thrown));
        Assert.That(failure.Message, Does.Contain("output").And.Contain("disk full in the test"));
        Assert.That(engine.Failure, Is.Not.Null);
        Assert.That(engine.FaultCount, Is.Zero, "not counted as a bad record");
        Assert.Throws<ShardFailedException>(() => engine.Submit(Click(0), 0), "every later call says so too");
        Assert.Throws<ShardFailedException>(() => engine.Flush(TimeSpan.FromMinutes(5)));
    }

    [Test]
    public void Snapshot_cut_behind_an_output_fault_fails_at_once_instead_of_waiting_at_the_cut()
    {
        string state = Path.Combine(Path.GetTempPath(), "attribution-shardfault-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var gate = new ManualResetEventSlim(false);
            var output = new FailingOutput(failAfter: 0, gate);
            // Extras captured at the cut make the shards wait for each other there: the stopped shard must release the other.
            var options = new EngineOptions
            {
                Shards = 2, Wait = WaitKind.Blocking, StateDirectory = state, SnapshotTimeout = TimeSpan.FromMinutes(5),
                CaptureSnapshotExtras = extras => extras["k"] = "v",
            };
            using var engine = new AttributionEngine(options, output);
            for (int i = 0; i < 200; i++)
            {
                engine.Submit(Click(i), 2L * i);
                engine.Submit(Conversion(i), 2L * i + 1);
            }
            Assert.That(output.Entered.Wait(Bound), Is.True, "a shard is delivering");
            var snapshot = engine.SnapshotAsync(); // its cut is published behind the delivery that will fail
            var clock = Stopwatch.StartNew();
            gate.Set();
            var failed = Assert.Throws<AggregateException>(() => snapshot.Wait(TimeSpan.FromMinutes(5)))!;
            TestContext.Out.WriteLine($"{clock.Elapsed.TotalSeconds:F2} s: {failed.InnerException!.Message}");
            Assert.That(clock.Elapsed, Is.LessThan(Bound));
            Assert.That(failed.InnerException, Is.TypeOf<SnapshotFailedException>());
            Assert.That(failed.InnerException!.Message, Does.Contain("output could not be delivered"));
            Assert.Throws<ShardFailedException>(() => engine.SnapshotAsync());
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    // 1 MiB of memory per table on a tmpfs of 4 MiB: evicted log pages soon find no room. On 64 KiB the first
    // eviction fails at once, racing the shard's own check (which once found the error counted but not yet worded).
    [TestCase(4L << 20)]
    [TestCase(64L << 10)]
    public void State_log_that_cannot_be_written_stops_the_engine_with_the_file_and_no_space(long diskBytes)
    {
        using var fs = ScratchFileSystem.Mount(diskBytes);
        string state = Path.Combine(fs.Path, "state");
        var options = new EngineOptions
        {
            Shards = 1, Wait = WaitKind.Blocking, StateDirectory = state,
            ClickMemoryBytes = 1 << 20, ConversionMemoryBytes = 1 << 20, IndexBuckets = 1 << 10,
        };
        using var engine = new AttributionEngine(options, new CollectingOutput());
        var clock = Stopwatch.StartNew();
        ShardFailedException? failure = null;
        try
        {
            for (int i = 0; i < 2_000_000 && clock.Elapsed < TimeSpan.FromMinutes(2); i++)
            {
                engine.Submit(Click(i), i);
            }
            engine.Flush(TimeSpan.FromMinutes(5));
        }
        catch (ShardFailedException e)
        {
            failure = e;
        }
        TestContext.Out.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {failure?.Message}");
        Assert.That(failure, Is.Not.Null, "a hole in the state on disk must stop the engine");
        // Said by our device wrapper ("no space left on device: a write of …") or, when the full disk refuses a new log
        // segment file, by the runtime's IOException ("No space left on device : '…/hlog.N'"): either names file and cause.
        Assert.That(failure!.Message, Does.Contain(state).And.Contain("no space left on device").IgnoreCase);
        Assert.That(failure.NoSpace, Is.True);
    }

    private static byte[] Click(int i) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"click\",\"event_id\":\"c-{i}\",\"user_id\":\"user-{i:D8}-with-a-long-enough-identifier\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{1_700_000_000_000L + i}}}");

    private static byte[] Conversion(int i) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"conversion\",\"event_id\":\"v-{i}\",\"user_id\":\"user-{i:D8}-with-a-long-enough-identifier\",\"campaign_id\":\"k\",\"timestamp\":{1_700_000_000_001L + i}}}");

    /// <summary>Accepts <c>failAfter</c> batches, then throws like a full disk.</summary>
    private sealed class FailingOutput(int failAfter, ManualResetEventSlim? gate = null) : IEngineOutput
    {
        private int _delivered;

        public IOException Thrown { get; } = new("disk full in the test", 28);

        /// <summary>Set when a delivery waits at the gate.</summary>
        public ManualResetEventSlim Entered { get; } = new(false);

        public void Deliver(OutputBatch batch)
        {
            if (Interlocked.Increment(ref _delivered) > failAfter)
            {
                Entered.Set();
                gate?.Wait();
                throw Thrown;
            }
        }
    }
}
