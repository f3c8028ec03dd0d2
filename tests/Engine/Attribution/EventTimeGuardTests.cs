using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>The event-time guard's rule (docs/SEMANTICS.md), one partition at a time.</summary>
public class EventTimeGuardTests
{
    private const long T0 = 1_678_886_400_000;
    private const long Hour = AttributionConfig.HourMs;
    private const long Day = 24 * Hour;
    private const long Year2100 = 4_102_444_800_000;

    private static RejectReason Judge(EventTimeGuard guard, long ts, out EventRecord record, int partition = 0)
    {
        record = default;
        record.Partition = partition;
        record.Timestamp = ts;
        return guard.Judge(ref record);
    }

    [Test]
    public void An_outlier_as_first_event_does_not_set_the_event_time()
    {
        var guard = new EventTimeGuard(new AttributionConfig());
        Assert.That(Judge(guard, Year2100, out var first), Is.EqualTo(RejectReason.None), "nothing to judge the first event against");
        Assert.That((first.HoldsWatermark, first.GuardedWatermark), Is.EqualTo((true, Year2100)), "judged against itself, but not stored");
        Assert.That(Judge(guard, T0, out var second), Is.EqualTo(RejectReason.None));
        Assert.That((second.HoldsWatermark, second.GuardedWatermark), Is.EqualTo((true, T0)), "judged against the events that agree with it");
        Assert.That(Judge(guard, T0 + 5, out var third), Is.EqualTo(RejectReason.None));
        Assert.That((third.HoldsWatermark, third.GuardedWatermark), Is.EqualTo((false, T0 + 5)), "the median's side sets W");
        Assert.That(guard.Watermark(0), Is.EqualTo(T0 + 5));
        Assert.That(Judge(guard, Year2100, out _), Is.EqualTo(RejectReason.ClockSkew));
        Assert.That(Judge(guard, 0, out _), Is.EqualTo(RejectReason.ClockSkew), "the epoch lies far behind");
        Assert.That(guard.Watermark(0), Is.EqualTo(T0 + 5));
    }

    [Test]
    public void Two_outliers_among_the_first_three_events_win_the_median()
    {
        // The bound of the bootstrap: fewer than half of the first J events may be outliers.
        var guard = new EventTimeGuard(new AttributionConfig());
        Judge(guard, Year2100, out _);
        Judge(guard, Year2100 + 1, out _);
        Judge(guard, T0, out _);
        Assert.That(guard.Watermark(0), Is.EqualTo(Year2100 + 1));
    }

    [Test]
    public void A_genuine_jump_is_followed_after_J_minus_1_dead_letters()
    {
        var guard = new EventTimeGuard(new AttributionConfig());
        for (int i = 0; i < 3; i++)
        {
            Judge(guard, T0 + i, out _);
        }
        long resumed = T0 + 10 * Day; // idle for ten days, then the partition resumes
        Assert.That(Judge(guard, resumed, out _), Is.EqualTo(RejectReason.ClockSkew));
        Assert.That(Judge(guard, resumed + 1_000, out _), Is.EqualTo(RejectReason.ClockSkew));
        Assert.That(Judge(guard, resumed + 2_000, out var third), Is.EqualTo(RejectReason.None), "the third agreeing event confirms the jump");
        Assert.That((third.HoldsWatermark, third.GuardedWatermark), Is.EqualTo((false, resumed + 2_000)));
        Assert.That(Judge(guard, resumed + 3_000, out _), Is.EqualTo(RejectReason.None));
        Assert.That(guard.Watermark(0), Is.EqualTo(resumed + 3_000));
    }

    [Test]
    public void A_skewed_producer_interleaved_with_a_normal_one_never_confirms()
    {
        var guard = new EventTimeGuard(new AttributionConfig());
        for (int i = 0; i < 3; i++)
        {
            Judge(guard, T0 + i, out _);
        }
        int rejected = 0;
        for (int i = 0; i < 100; i++)
        {
            rejected += Judge(guard, Year2100 + i, out _) == RejectReason.ClockSkew ? 1 : 0;
            rejected += Judge(guard, Year2100 + i + 1, out _) == RejectReason.ClockSkew ? 1 : 0;
            Assert.That(Judge(guard, T0 + 10 + i, out _), Is.EqualTo(RejectReason.None));
        }
        Assert.That(rejected, Is.EqualTo(200), "two consecutive outliers at a time, then an event in range: the run never reaches three");
        Assert.That(guard.Watermark(0), Is.EqualTo(T0 + 109));
    }

    [Test]
    public void A_run_ahead_that_does_not_agree_starts_over()
    {
        var guard = new EventTimeGuard(new AttributionConfig());
        for (int i = 0; i < 3; i++)
        {
            Judge(guard, T0 + i, out _);
        }
        Judge(guard, T0 + 30 * Day, out _);
        Judge(guard, T0 + 60 * Day, out _); // disagrees with the run's first: a new run
        Assert.That(guard.Pending(0), Is.EqualTo(new[] { T0 + 60 * Day }));
        Judge(guard, T0 + 60 * Day + 1, out _);
        Assert.That(Judge(guard, T0 + 60 * Day + 2, out _), Is.EqualTo(RejectReason.None));
    }

    [Test]
    public void One_confirmation_turns_the_forward_check_off_but_keeps_the_backward_one()
    {
        var guard = new EventTimeGuard(new AttributionConfig { ClockConfirmations = 1 });
        Assert.That(Judge(guard, T0, out var first), Is.EqualTo(RejectReason.None));
        Assert.That(first.HoldsWatermark, Is.False, "with J = 1 the first event sets W, as without a guard");
        Assert.That(Judge(guard, Year2100, out _), Is.EqualTo(RejectReason.None));
        Assert.That(Judge(guard, T0, out _), Is.EqualTo(RejectReason.ClockSkew));
    }

    [Test]
    public void Events_within_the_skew_are_judged_against_the_plain_watermark()
    {
        var guard = new EventTimeGuard(new AttributionConfig { MaxClockSkewMs = 2 * Day });
        long[] times = [T0, T0 + Hour, T0 - Day, T0 + 2 * Day, T0 + Day, T0 + 4 * Day, T0 + 2 * Day];
        long w = long.MinValue;
        foreach (long t in times)
        {
            Assert.That(Judge(guard, t, out var r), Is.EqualTo(RejectReason.None), $"{t - T0} ms");
            w = Math.Max(w, t);
            Assert.That(r.GuardedWatermark, Is.EqualTo(w), "max of the events so far, as without the guard");
        }
    }

    [Test]
    public void Extreme_timestamps_do_not_overflow()
    {
        var guard = new EventTimeGuard(new AttributionConfig());
        Judge(guard, long.MaxValue, out _);
        Judge(guard, long.MaxValue - 1, out _);
        Judge(guard, long.MinValue, out _);
        Assert.That(guard.Watermark(0), Is.EqualTo(long.MaxValue));
        Assert.That(Judge(guard, long.MinValue, out _), Is.EqualTo(RejectReason.ClockSkew));
        Assert.That(Judge(guard, long.MaxValue, out _), Is.EqualTo(RejectReason.None));
    }

    [Test]
    public void Restore_and_forget_set_a_partitions_guard_state()
    {
        var guard = new EventTimeGuard(new AttributionConfig { Partitions = 2 });
        guard.Restore(5, T0, [Year2100, Year2100 + 1]);
        Assert.That(Judge(guard, Year2100 + 2, out _, partition: 5), Is.EqualTo(RejectReason.None), "the restored run completes");
        Assert.That(guard.Watermark(5), Is.EqualTo(Year2100 + 2));
        guard.Forget(5);
        Assert.That(guard.Watermark(5), Is.EqualTo(PartitionWatermarks.None));
        Assert.That(Judge(guard, T0, out var again, partition: 5), Is.EqualTo(RejectReason.None));
        Assert.That(again.HoldsWatermark, Is.True, "a forgotten partition bootstraps again");
        Assert.Throws<ArgumentException>(() => guard.Restore(1, T0, [1, 2, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Judge(guard, T0, out _, partition: 65_536));
    }

    [Test]
    public void Settings_out_of_range_fail_with_one_sentence()
    {
        string? skew = new AttributionConfig { MaxClockSkewMs = Hour }.Validate();
        Assert.That(skew, Does.StartWith("The maximum clock skew (3600000 ms) must be at least the window plus the allowed lateness (90000000 ms)"));
        Assert.That(new AttributionConfig { ClockConfirmations = 0 }.Validate(), Does.Contain("between 1 and 8"));
        Assert.That(new AttributionConfig { ClockConfirmations = 9 }.Validate(), Does.Contain("between 1 and 8"));
        Assert.That(new AttributionConfig { WindowMs = 30 * Day }.EffectiveMaxClockSkewMs, Is.EqualTo(30 * Day + Hour), "the default grows with window + lateness");
        Assert.That(new AttributionConfig().EffectiveMaxClockSkewMs, Is.EqualTo(7 * Day));
    }
}
