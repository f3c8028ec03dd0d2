using System.Diagnostics;

namespace Attribution.Bench.Reporting;

/// <summary>
/// The suites measure runs of about a second. With the runtime's default tiering delay (a method is counted towards its
/// optimised recompile only after 100 ms without new unoptimised code anywhere in the process), each such run still had
/// its hot methods in early tiers and the JIT's background compiler busy: in one alternated `bench engine` series the
/// 1-shard engine did 1.29 and 1.32 M/s with a paced p99 of 2.1 and 3.0 ms, against 1.64 and 1.60 M/s and 0.36 and
/// 1.31 ms with the delay at 0 (bench/RESULTS.md). A host that runs for hours is past this within its first seconds; so the bench starts itself
/// again as a child with <c>DOTNET_TC_CallCountingDelayMs=0</c> unless the variable is set (set it to 100 to measure the
/// default), and every report states the value it ran with. The runtime reads it only from the environment.
/// </summary>
internal static class TieringDelay
{
    public const string Variable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>The delay this process runs with, for the report's machine line.</summary>
    public static string Describe()
        => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } v
            ? $"tiering delay {v} ms ({Variable})"
            : "tiering delay 100 ms (the runtime's default)";

    /// <summary>
    /// Runs this program again with the variable set to 0 and returns the child's exit code; null when the variable is
    /// already set (this is the child, or the caller chose a value).
    /// </summary>
    public static int? RunAsChild(string[] args)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not null || Environment.ProcessPath is not { } self)
        {
            return null;
        }
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        // Started as `dotnet Attribution.Bench.dll`: the child needs the assembly path first.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(TieringDelay).Assembly.Location);
        }
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment[Variable] = "0";
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"bench: could not start {self} again.");
        // Ctrl-C reaches the child too (same process group); the parent waits for it to finish its report.
        ConsoleCancelEventHandler keep = (_, e) => e.Cancel = true;
        Console.CancelKeyPress += keep;
        try
        {
            child.WaitForExit();
            return child.ExitCode;
        }
        finally
        {
            Console.CancelKeyPress -= keep;
        }
    }
}
