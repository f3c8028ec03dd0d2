using System.Globalization;
using System.Text;

namespace Attribution.Tests.Reliability;

/// <summary>Writes the reliability table once every test of this namespace has run.</summary>
[SetUpFixture]
public sealed class ReliabilityReportWriter
{
    /// <summary>Renders the page; rows only from what ran (a filtered run gives a partial table, and says so).</summary>
    [OneTimeTearDown]
    public void Write()
    {
        var rows = ReliabilityReport.Snapshot();
        if (rows.Count == 0)
        {
            return;
        }
        string path = Environment.GetEnvironmentVariable(ReliabilityReport.PathVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(TestContext.CurrentContext.TestDirectory, "RELIABILITY.md");
        var page = new StringBuilder();
        page.AppendLine("# Reliability");
        page.AppendLine();
        page.AppendLine("What the reliability suite (`tests/Reliability/`) tried and observed. This page is written by the suite:");
        page.AppendLine("`scripts/reliability.sh` runs it and replaces this file (`scripts/reliability.sh --chaos-minutes 10` for the long chaos loop).");
        page.AppendLine("Each row's last column reproduces it; randomised rows carry their seed. *lost* and *duplicated* count attributions");
        page.AppendLine("(or, for bad input, records that were neither accepted nor dead-lettered with their reason); *crashed* counts processes");
        page.AppendLine("or calls that died; *hung* counts waits that ran out of time.");
        page.AppendLine();
        page.Append(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        page.AppendLine();
        page.AppendLine();
        page.Append(ReliabilityReport.Table(rows));
        page.AppendLine();
        page.AppendLine("Covered by earlier tests and not repeated here: a full tmpfs during a snapshot and an unwritable manifest");
        page.AppendLine("(`tests/Snapshots/SnapshotFailureTests.cs`), damaged manifests and checkpoint files in the engine");
        page.AppendLine("(`SnapshotFallbackTests.cs`), state 3× beyond a 1 MiB memory budget (`tests/Pipeline/EngineStateBoundsTests.cs`),");
        page.AppendLine("SIGKILL of `replay` (`tests/Host/Replay/ReplayCrashTests.cs`), SIGKILL and broker faults of `run`");
        page.AppendLine("(`tests/Host/Run/RunExactlyOnceTests.cs`), one-second mutation fuzzing of both decoders (`tests/Codecs/CodecFuzzTests.cs`).");
        File.WriteAllText(path, page.ToString());
        TestContext.Progress.WriteLine($"reliability table ({rows.Count} rows) written to {path}");
    }
}
