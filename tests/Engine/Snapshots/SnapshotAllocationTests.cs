using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

public class SnapshotAllocationTests
{
    [Test]
    public void Submit_with_periodic_snapshots_configured_allocates_nothing_between_snapshots()
    {
        using var dir = new TempStateDirectory();
        var (config, items) = StreamGenerator.Generate(TestSeed.Get(), 10_000, includeBadLines: false);
        var lines = items.Where(i => i.Kind != SimKind.Expire).Select(i => (Line: CodecSimEventDecoders.Render(i), i.Partition)).ToArray();
        // Due checks run (every record by count, every 1,024 by clock) but no snapshot falls due.
        var options = SnapshotRun.Options(config, 2, dir.Path) with { SnapshotEveryEvents = 1_000_000, SnapshotInterval = TimeSpan.FromHours(1) };
        using var engine = new AttributionEngine(options, new CollectingOutput());
        // Warm-up and each measured window span two of the clock checks made every 1,024 records.
        const int Window = 2_048;
        Assert.That(lines.Length, Is.GreaterThanOrEqualTo(4 * Window), "the stream holds the warm-up and three windows");
        int next = 0;
        void SubmitWindow()
        {
            for (int end = next + Window; next < end; next++)
            {
                engine.Submit(lines[next].Line, next, lines[next].Partition);
            }
        }
        SubmitWindow();
        engine.Flush();
        AllocationGate.AssertSteadyState($"{Window:N0} submits on the producer thread", SubmitWindow);
    }
}
