using Attribution.Host.Observability;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Observability;

/// <summary>The status page's time series: a bounded ring of per-second samples.</summary>
public class StatusHistoryTests
{
    [Test]
    public void The_history_keeps_the_last_ten_minutes_of_samples_oldest_first()
    {
        var stats = new PipelineStats();
        using var history = new StatusHistory(stats);
        Assert.That(history.Samples(), Is.Empty);
        for (int i = 1; i <= StatusHistory.Capacity + 25; i++)
        {
            stats.RecordConsumed(replayed: false);
            history.Sample();
        }
        var samples = history.Samples();
        Assert.That(samples, Has.Length.EqualTo(StatusHistory.Capacity));
        Assert.That(samples[0].Consumed, Is.EqualTo(26), "the 25 oldest were dropped");
        Assert.That(samples[^1].Consumed, Is.EqualTo(StatusHistory.Capacity + 25));
        Assert.That(samples.Zip(samples.Skip(1)).All(p => p.Second.Consumed == p.First.Consumed + 1), Is.True, "in order");
    }
}
