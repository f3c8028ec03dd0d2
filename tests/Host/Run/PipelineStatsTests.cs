using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>The run's figures: recording latencies into the exported histogram costs no allocation; latencies split at a send time.</summary>
public class PipelineStatsTests
{
    [Test]
    public void Recording_latencies_allocates_nothing()
    {
        var stats = new PipelineStats();
        long[] latencies = [1, 7, 250, 1_500, 40_000, 5_000_000];
        stats.RecordLatencies(latencies); // first use: lazily created parts of the histograms
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            stats.RecordLatencies(latencies);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "bytes allocated by 6,000 recorded latencies");
        Assert.That(stats.LatencyPercentile(100), Is.EqualTo(3_600_000).Within(0.1).Percent, "clamped to an hour");
    }

    [Test]
    public void Latencies_split_by_when_their_input_was_sent()
    {
        var stats = new PipelineStats();
        stats.SplitLatencies(sentUnixMs: 10_000);
        stats.RecordLatencies([300, 250], committedUnixMs: 10_200); // sent at 9,900 and 9,950: before the split
        stats.RecordLatencies([200, 40], committedUnixMs: 10_200);  // sent at 10,000 and 10,160: after it
        Assert.That(stats.LatencyCount(LatencySpan.BeforeSplit), Is.EqualTo(2));
        Assert.That(stats.LatencyCount(LatencySpan.AfterSplit), Is.EqualTo(2));
        Assert.That(stats.LatencyCount(LatencySpan.All), Is.EqualTo(4));
        Assert.That(stats.LatencyPercentile(0, LatencySpan.BeforeSplit), Is.EqualTo(250));
        Assert.That(stats.LatencyPercentile(100, LatencySpan.AfterSplit), Is.EqualTo(200));
        Assert.That(stats.LatencyPercentile(100), Is.EqualTo(300));
    }

    [Test]
    public void Recording_transaction_cycles_allocates_nothing()
    {
        var stats = new PipelineStats();
        stats.RecordCycle(0.004);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1_000; i++)
        {
            stats.RecordCycle(0.001 * (i % 50));
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "bytes allocated by 1,000 recorded cycles");
    }

    [Test]
    public void A_status_window_holds_what_was_recorded_since_the_previous_one()
    {
        var stats = new PipelineStats();
        stats.RecordLatencies([10, 20, 30, 40, 900]);
        stats.RecordCycle(0.002);
        stats.RecordCycle(0.050);
        var w = stats.TakeStatusWindow();
        Assert.That((w.Latencies, w.LatencyP50Ms, w.LatencyMaxMs), Is.EqualTo((5L, 30L, 900L)));
        Assert.That((w.Cycles, w.CycleMaxMicros), Is.EqualTo((2L, 50_000L)).Using<(long, long)>((a, b) => a.Item1 == b.Item1 && Math.Abs(a.Item2 - b.Item2) <= 50));
        var next = stats.TakeStatusWindow();
        Assert.That((next.Latencies, next.Cycles), Is.EqualTo((0L, 0L)), "each window starts empty");
        Assert.That(stats.LatencyCount(LatencySpan.All), Is.EqualTo(5), "the run's own histograms are not reset");
    }
}
