using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Attribution.Tests.Reliability;

/// <summary>Writes the reliability table once every test of this namespace has run.</summary>
[SetUpFixture]
public sealed partial class ReliabilityReportWriter
{
    private const string EarlierHeading = "## Earlier runs that found something";
    private const int EarlierKept = 30;

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
        var earlier = Earlier(path);
        var page = new StringBuilder();
        page.AppendLine("# Reliability");
        page.AppendLine();
        page.AppendLine("What the reliability suite (`tests/Reliability/`) tried and observed. This page is written by the suite:");
        page.AppendLine("`scripts/reliability.sh` runs it and replaces this file (`scripts/reliability.sh --chaos-minutes 10` for the long chaos loop).");
        page.AppendLine("Each row's last column reproduces it; randomised rows carry their seed. *lost* and *duplicated* count attributions");
        page.AppendLine("(or, for bad input, records that were neither accepted nor dead-lettered with their reason); *crashed* counts processes");
        page.AppendLine("or calls that died; *hung* counts waits that ran out of time. Every count is measured in the run; n/a marks a count the");
        page.AppendLine("scenario has nothing to count for (a decoder emits no attributions that could repeat).");
        page.AppendLine();
        page.Append(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        page.AppendLine();
        page.AppendLine();
        page.Append(ReliabilityReport.Table(rows));
        if (earlier.Count > 0)
        {
            page.AppendLine();
            page.AppendLine(EarlierHeading);
            page.AppendLine();
            page.AppendLine("Rows of earlier runs of this page with something lost, duplicated, crashed or hung, carried over so a finding");
            page.AppendLine("stays visible after a run that did not hit it (newest first).");
            page.AppendLine();
            page.AppendLine("| run | area | scenario | times | duration | lost | duplicated | crashed | hung | observed | reproduce |");
            page.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|");
            foreach (string row in earlier)
            {
                page.AppendLine(row);
            }
        }
        page.AppendLine();
        page.AppendLine("Covered by earlier tests and not repeated here: a full tmpfs during a snapshot and an unwritable manifest");
        page.AppendLine("(`tests/Engine/Snapshots/SnapshotFailureTests.cs`), damaged manifests and checkpoint files in the engine");
        page.AppendLine("(`SnapshotFallbackTests.cs`), state 3× beyond a 1 MiB memory budget (`tests/Engine/Pipeline/EngineStateBoundsTests.cs`),");
        page.AppendLine("SIGKILL of `replay` (`tests/Host/Replay/ReplayCrashTests.cs`), SIGKILL and broker faults of `run`");
        page.AppendLine("(`tests/Host/Run/RunExactlyOnceTests.cs`), one-second mutation fuzzing of both decoders (`tests/Engine/Codecs/CodecFuzzTests.cs`).");
        File.WriteAllText(path, page.ToString());
        TestContext.Progress.WriteLine($"reliability table ({rows.Count} rows) written to {path}");
    }

    /// <summary>The finding rows of the page being replaced (its own table and its carried-over ones), each with its run date.</summary>
    private static List<string> Earlier(string path)
    {
        var rows = new List<string>();
        if (!File.Exists(path))
        {
            return rows;
        }
        string run = "";
        bool inEarlier = false;
        foreach (string line in File.ReadAllLines(path))
        {
            if (line.StartsWith("Run ", StringComparison.Ordinal))
            {
                run = line[4..].Split(" UTC", 2)[0];
            }
            inEarlier |= line == EarlierHeading;
            if (!line.StartsWith("| ", StringComparison.Ordinal) || line.StartsWith("| area ", StringComparison.Ordinal) || line.StartsWith("| run ", StringComparison.Ordinal))
            {
                continue;
            }
            string[] cells = Cells().Split(line);
            // Leading empty cell, then: [run,] area, scenario, times, duration, lost, duplicated, crashed, hung, observed, reproduce.
            int lost = inEarlier ? 6 : 5;
            if (cells.Length < lost + 5 || cells.Skip(lost).Take(4).All(c => c.Trim() is "0" or ReliabilityReport.NotApplicable))
            {
                continue;
            }
            string row = inEarlier ? line : $"| {run} {line}";
            if (!rows.Contains(row))
            {
                rows.Add(row);
            }
        }
        return rows.Take(EarlierKept).ToList();
    }

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex Cells();
}
