using Attribution.Engine.Pipeline;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>The host says once per table when the state outgrew its memory budget.</summary>
public class StateSpillReportTests
{
    [Test]
    public void Each_table_is_reported_once_when_part_of_it_is_first_on_disk_only()
    {
        var log = new StringWriter();
        var report = new StateSpillReport(new RunLog(log));
        var options = new EngineOptions { Shards = 2, ClickMemoryBytes = 64L << 20, ConversionMemoryBytes = 16L << 20 };

        report.Check(new StateSize(1_000, 10, 100L << 20, 1L << 20), options);
        Assert.That(Lines(log), Is.Empty, "nothing is on disk only yet");

        report.Check(new StateSize(2_000, 10, 140L << 20, 1L << 20, ClickDiskBytes: 12L << 20), options);
        report.Check(new StateSize(3_000, 10, 200L << 20, 1L << 20, ClickDiskBytes: 70L << 20), options);
        string[] lines = Lines(log);
        Assert.That(lines, Has.Length.EqualTo(1), string.Join("\n", lines));
        Assert.That(lines[0], Does.Contain("table=clicks memory_mb=64 shards=2 stored_mib=140 on_disk_mib=12"));
        Assert.That(lines[0], Does.Contain("raise memory_mb"));

        report.Check(new StateSize(3_000, 10, 200L << 20, 40L << 20, ClickDiskBytes: 70L << 20, ConversionDiskBytes: 5L << 20), options);
        lines = Lines(log);
        Assert.That(lines, Has.Length.EqualTo(2), string.Join("\n", lines));
        Assert.That(lines[1], Does.Contain("table=conversions memory_mb=16 shards=2 stored_mib=40 on_disk_mib=5"));
    }

    private static string[] Lines(StringWriter log) => log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
