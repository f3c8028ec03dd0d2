using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>The run's figures: recording latencies into the exported histogram costs no allocation.</summary>
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
}
