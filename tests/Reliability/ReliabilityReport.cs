using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Attribution.Tests.Reliability;

/// <summary>
/// Collects the rows of the reliability table while the suite runs and writes them, as the markdown of
/// docs/RELIABILITY.md, when it ends (see <see cref="ReliabilityReportWriter"/>).
/// </summary>
public static class ReliabilityReport
{
    /// <summary>Where the table goes: this variable when set (scripts/reliability.sh points it at docs/RELIABILITY.md), else the test directory.</summary>
    public const string PathVariable = "ATTRIBUTION_RELIABILITY_REPORT";

    private static readonly ConcurrentQueue<ReliabilityRow> Rows = new();

    /// <summary>Adds a row and prints it in the test's output.</summary>
    public static void Add(ReliabilityRow row)
    {
        Rows.Enqueue(row);
        TestContext.Out.WriteLine($"reliability: {row.Scenario}: {row.Trials} trials in {row.Duration.TotalSeconds:F1} s; lost {Count(row.Lost)}, duplicated {Count(row.Duplicated)}, crashed {Count(row.Crashed)}, hung {Count(row.Hung)}; {row.Observed}");
    }

    /// <summary>The command that runs one test class of this suite, with the seed when the test is randomised.</summary>
    public static string TestCommand(string testClass, int? seed = null, string? environment = null)
    {
        string prefix = (seed is { } s ? $"ATTRIBUTION_SEED={s.ToString(CultureInfo.InvariantCulture)} " : "") + (environment is null ? "" : environment + " ");
        return $"`{prefix}dotnet test tests -c Release --filter \"FullyQualifiedName~Reliability.{testClass}\"`";
    }

    /// <summary>The rows so far, in a stable order (area, then scenario).</summary>
    public static IReadOnlyList<ReliabilityRow> Snapshot()
        => Rows.OrderBy(r => r.Area, StringComparer.Ordinal).ThenBy(r => r.Scenario, StringComparer.Ordinal).ToList();

    /// <summary>The markdown table of <paramref name="rows"/>.</summary>
    public static string Table(IReadOnlyList<ReliabilityRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("| area | scenario | times | duration | lost | duplicated | crashed | hung | observed | reproduce |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {Cell(r.Area)} | {Cell(r.Scenario)} | {r.Trials} | {r.Duration.TotalSeconds:F1} s | {Count(r.Lost)} | {Count(r.Duplicated)} | {Count(r.Crashed)} | {Count(r.Hung)} | {Cell(r.Observed)} | {r.Command.Replace("|", "\\|", StringComparison.Ordinal)} |");
            md.AppendLine();
        }
        return md.ToString();
    }

    /// <summary>A measured count, or n/a where the scenario has nothing of that kind.</summary>
    public static string Count(long? count) => count?.ToString(CultureInfo.InvariantCulture) ?? NotApplicable;

    /// <summary>The cell of a count that does not apply to a scenario.</summary>
    public const string NotApplicable = "n/a";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
