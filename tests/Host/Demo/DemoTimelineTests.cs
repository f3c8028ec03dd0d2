using Attribution.Host.Demo;

namespace Attribution.Tests.Host.Demo;

/// <summary>The demo's progress samples: rates over a window are read between samples, not only at them.</summary>
public class DemoTimelineTests
{
    [Test]
    public void Rate_over_a_window_interpolates_between_samples()
    {
        var t = new DemoTimeline();
        t.Add(0.0, 0);
        t.Add(1.0, 10_000);   // a slow start
        t.Add(2.0, 60_000);
        t.Add(3.0, 110_000);
        Assert.That(t.CommittedAt(1.5), Is.EqualTo(35_000));
        Assert.That(t.RateBetween(1.0, 3.0), Is.EqualTo(50_000));
        Assert.That(t.RateBetween(0.5, 2.5), Is.EqualTo((85_000 - 5_000) / 2.0));
    }

    [Test]
    public void Outside_the_samples_the_count_is_zero_before_and_the_last_after()
    {
        var t = new DemoTimeline();
        t.Add(0.02, 0);
        t.Add(0.04, 0);
        t.Add(0.60, 300);
        Assert.That(t.CommittedAt(0.0), Is.Zero);
        Assert.That(t.CommittedAt(9.0), Is.EqualTo(300));
        Assert.That(t.FirstCommitSeconds, Is.EqualTo(0.60));
    }

    [Test]
    public void Samples_out_of_time_order_are_refused()
    {
        var t = new DemoTimeline();
        t.Add(1.0, 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Add(0.5, 6));
    }

    [Test]
    public void The_longest_pause_is_the_longest_stretch_without_progress_inside_the_window()
    {
        var t = new DemoTimeline();
        long committed = 0;
        for (int i = 0; i <= 200; i++)
        {
            double seconds = i * 0.02;
            if (i < 60 || i > 95 || i == 80)
            {
                committed += 1_000; // stalls from 1.20 to 1.60 s and from 1.60 to 1.90 s
            }
            t.Add(seconds, committed);
        }
        var (start, length) = t.LongestPause(1.0, 4.0);
        Assert.That(start, Is.EqualTo(1.18).Within(1e-9));
        Assert.That(length, Is.EqualTo(0.42).Within(1e-9));
        Assert.That(t.LongestPause(2.0, 4.0).Seconds, Is.EqualTo(0.02).Within(1e-9), "after 2 s only the sampling step");
    }
}
