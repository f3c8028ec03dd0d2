using Attribution.Host.Demo;

namespace Attribution.Tests.Host.Demo;

/// <summary>The demo's verdict: kept up only at ≥ 97 % of the pace after the warm-up, and says so plainly either way.</summary>
public class PaceReportTests
{
    // 500,000 events at 50,000/s: 400,000 of them are due after the 2 s warm-up, committed at steadyRate.
    private static PaceReport Report(double steadyRate, double generatorSeconds = 10.0, long steadyP99 = 60, double warmUpRate = 30_000, int rate = 50_000, double behind = 0.004)
        => new()
        {
            Rate = rate,
            Events = 500_000,
            WarmUpSeconds = 2,
            GeneratorSeconds = generatorSeconds,
            MaxBehindSeconds = behind,
            MaxBehindAtSeconds = 2.36,
            ElapsedSeconds = 2 + 400_000 / steadyRate,
            FirstCommitSeconds = 0.6,
            WarmUpRate = warmUpRate,
            WarmUpLatency = new(9_000, 300, 650, 700, 720),
            SteadyLatency = new(120_000, 40, steadyP99, steadyP99 + 30, steadyP99 + 50),
            AllLatency = new(129_000, 42, 560, 690, 720),
        };

    [Test]
    public void Processing_at_97_percent_of_the_pace_after_the_warm_up_kept_up()
    {
        var report = Report(steadyRate: 48_500);
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.KeptUp));
        Assert.That(report.SteadyRate, Is.EqualTo(48_500).Within(1e-6));
        Assert.That(report.VerdictLines()[0], Does.StartWith("kept up with the generator: yes")
            .And.Contain("the 400,000 events due after the 2 s warm-up were committed by 10.25 s: 48,500 events/s, 97.0 %"));
    }

    [Test]
    public void Processing_below_97_percent_of_the_pace_fell_behind_and_says_so()
    {
        var report = Report(steadyRate: 48_400);
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.FellBehind));
        Assert.That(report.VerdictLines()[0], Does.StartWith("kept up with the generator: NO").And.Contain("96.8 %"));
    }

    [Test]
    public void A_slow_warm_up_is_shown_but_does_not_decide_the_verdict()
    {
        var report = Report(steadyRate: 49_000, warmUpRate: 5_000);
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.KeptUp));
    }

    [Test]
    public void The_rate_after_the_warm_up_counts_the_events_due_then_until_the_last_is_committed()
    {
        // 200,000 events at 50,000/s: 100,000 due after the 2 s warm-up; the last committed 0.5 s after it was due.
        var report = Report(steadyRate: 50_000, generatorSeconds: 4.0) with { Events = 200_000, ElapsedSeconds = 4.5 };
        Assert.That(report.SteadyRate, Is.EqualTo(100_000 / 2.5).Within(1e-6));
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.FellBehind), "a half-second drain at the end of a 2 s window is 80 % of the pace");
    }

    [Test]
    public void A_generator_that_did_not_reach_the_pace_leaves_the_run_not_judged()
    {
        var report = Report(steadyRate: 48_000, generatorSeconds: 10.4); // handed over 500,000 in 10.4 s: 48,077/s, 96.2 %
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.GeneratorBehind));
        Assert.That(report.VerdictLines()[0], Does.Contain("not judged").And.Contain("generator itself reached only 48,077 events/s"));
    }

    [Test]
    public void A_run_too_short_after_the_warm_up_is_not_judged_and_names_the_events_needed()
    {
        var report = Report(steadyRate: 50_000) with { Events = 190_000 }; // due by 3.8 s: 1.8 s after the warm-up
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.TooShort));
        Assert.That(report.VerdictLines()[0], Does.Contain("not judged").And.Contain("--events 200,000 or more"));
    }

    [TestCase(100, "met")]
    [TestCase(101, "MISSED")]
    public void Latency_after_the_warm_up_is_judged_against_100_ms_at_p99(long p99, string word)
    {
        var line = Report(steadyRate: 50_000, steadyP99: p99).VerdictLines()[1];
        Assert.That(line, Does.Contain($"p50 / p99 / p99.9: 40 / {p99} / {p99 + 30} ms").And.EndWith($"p99 ≤ 100 ms: {word}"));
    }

    [Test]
    public void An_unpaced_run_gives_no_pace_verdict()
    {
        var report = Report(steadyRate: 50_000, rate: 0);
        Assert.That(report.Verdict, Is.EqualTo(PaceVerdict.Unpaced));
        Assert.That(report.LatencyMet, Is.Null);
        Assert.That(report.VerdictLines()[0], Does.StartWith("unpaced run"));
    }

    [Test]
    public void A_generator_that_fell_behind_its_schedule_is_named_beside_the_verdict()
    {
        Assert.That(Report(steadyRate: 49_000).VerdictLines(), Has.Count.EqualTo(2), "4 ms behind: nothing to say");
        var lines = Report(steadyRate: 46_000, behind: 2.015).VerdictLines();
        Assert.That(lines, Has.Count.EqualTo(3));
        Assert.That(lines[2], Does.Contain("generator itself fell 2,015 ms behind its schedule at 2.36 s"));
    }
}
