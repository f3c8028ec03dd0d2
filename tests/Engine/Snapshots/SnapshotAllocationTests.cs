using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

public class SnapshotAllocationTests
{
    [Test]
    public void Submit_with_periodic_snapshots_configured_allocates_nothing_between_snapshots()
    {
        using var dir = new State.Faster.TempStateDirectory();
        var (config, items) = StreamGenerator.Generate(TestSeed.Get(), 3_000, includeBadLines: false);
        var lines = items.Where(i => i.Kind != SimKind.Expire).Select(i => (Line: CodecSimEventDecoders.Render(i), i.Partition)).ToArray();
        // Due checks run (every record by count, every 1,024 by clock) but no snapshot falls due.
        var options = SnapshotRun.Options(config, 2, dir.Path) with { SnapshotEveryEvents = 1_000_000, SnapshotInterval = TimeSpan.FromHours(1) };
        using var engine = new AttributionEngine(options, new CollectingOutput());
        for (int i = 0; i < 1_000; i++)
        {
            engine.Submit(lines[i].Line, i, lines[i].Partition);
        }
        engine.Flush();
        long before = AllocationGate.ThreadBytes();
        for (int i = 1_000; i < lines.Length; i++)
        {
            engine.Submit(lines[i].Line, i, lines[i].Partition);
        }
        long allocated = AllocationGate.ThreadBytes() - before;
        AllocationGate.AssertNone(allocated, $"{lines.Length - 1_000} submits on the producer thread");
    }
}
