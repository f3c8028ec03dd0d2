using Attribution.Engine.Pipeline;
using Attribution.Host.Observability;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Observability;

/// <summary>What each probe answers in each phase of a host, on figures set by the test.</summary>
public class HealthProbesTests
{
    [Test]
    public void A_host_rebuilding_a_partition_is_live_but_not_ready_and_ready_once_rebuilt()
    {
        using var figures = new Figures { Joined = true };
        figures.Owned.Add(Partition(0, rebuilding: false));
        figures.Owned.Add(Partition(1, rebuilding: true));
        figures.Ready.Set();
        Assert.That(HealthProbes.Live(figures), Is.EqualTo((200, "alive\n")));
        Assert.That(HealthProbes.Ready(figures), Is.EqualTo((503, "rebuilding: 1 of 2 partitions\n")));
        Assert.That(HealthProbes.Owning(figures), Is.EqualTo((200, "ok\n")), "/health keeps its meaning: partitions owned, rebuilt or not");
        figures.Owned[1] = Partition(1, rebuilding: false);
        Assert.That(HealthProbes.Ready(figures), Is.EqualTo((200, "ready: 2 partitions\n")));
    }

    [Test]
    public void A_standby_that_owns_no_partition_is_live_and_ready_but_not_owning()
    {
        using var figures = new Figures { Joined = true };
        Assert.That(HealthProbes.Live(figures), Is.EqualTo((200, "alive\n")));
        Assert.That(HealthProbes.Ready(figures), Is.EqualTo((200, "ready: standby, owns no partitions\n")));
        Assert.That(HealthProbes.Owning(figures), Is.EqualTo((503, "starting: not yet assigned partitions\n")));
    }

    [Test]
    public void A_failed_host_fails_every_probe_with_its_sentence()
    {
        using var figures = new Figures { Joined = true, FatalError = "The Kafka producer was fenced." };
        figures.Ready.Set();
        foreach (var answer in new[] { HealthProbes.Live(figures), HealthProbes.Ready(figures), HealthProbes.Owning(figures) })
        {
            Assert.That(answer, Is.EqualTo((503, "failed: The Kafka producer was fenced.\n")));
        }
    }

    private static PartitionFigures Partition(int p, bool rebuilding) => new(p, 0, 10, 10, rebuilding, 0, 10, null);

    /// <summary>Figures the test sets.</summary>
    private sealed class Figures : IPipelineFigures, IDisposable
    {
        public PipelineStats Stats { get; } = new();
        public AttributionEngine? Engine => null;
        public string? FatalError { get; init; }
        public ManualResetEventSlim Ready { get; } = new(false);
        public bool Joined { get; init; }
        public List<PartitionFigures> Owned { get; } = new();
        public IReadOnlyList<PartitionFigures> Partitions() => Owned;
        public void Dispose() => Ready.Dispose();
    }
}
