using System.CommandLine;
using Attribution.Bench.Engine;
using Attribution.Bench.Kafka;

namespace Attribution.Tests.Host.Bench;

/// <summary>The Kafka bench's paced phases last what --latency-seconds says, a workload long enough for the fastest of them.</summary>
public class KafkaPacedPhaseTests
{
    private static KafkaBenchOptions Options(params string[] args)
    {
        var command = new RootCommand();
        foreach (Option flag in KafkaBenchOptions.Flags)
        {
            command.Options.Add(flag);
        }
        return KafkaBenchOptions.From(command.Parse(args));
    }

    [Test]
    public void A_paced_rate_the_backlog_cannot_feed_for_the_whole_phase_gets_a_longer_workload()
    {
        KafkaBenchOptions o = Options("--latency-seconds", "3");
        Workload backlog = WorkloadGenerator.Generate(10_000, o.Users, o.Campaigns, o.Seed);

        Workload paced = KafkaBenchSuite.PacedWorkload(backlog, o, rate: 5_000);

        // 10,000 lines at 5,000/s would end the phase after 2 of its 3 seconds.
        Assert.That(paced.Count, Is.GreaterThanOrEqualTo(15_000));
        Assert.That(paced.Lines.Count, Is.EqualTo(paced.Count));
    }

    [Test]
    public void A_backlog_that_covers_the_phase_is_sent_as_it_is()
    {
        KafkaBenchOptions o = Options("--latency-seconds", "3");
        Workload backlog = WorkloadGenerator.Generate(10_000, o.Users, o.Campaigns, o.Seed);

        Assert.That(KafkaBenchSuite.PacedWorkload(backlog, o, rate: 3_000), Is.SameAs(backlog));
    }
}
