using System.Diagnostics;
using Spectre.Console;

namespace Attribution.Bench.Reporting;

/// <summary>
/// Progress on standard error (standard output is the report): one coloured line per step with the
/// time since the suite started, so a user sees which contender runs and how long it has been going.
/// </summary>
internal static class BenchProgress
{
    private static readonly IAnsiConsole Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// <summary>Announces a step of the suite.</summary>
    public static void Step(string what)
        => Console.MarkupLineInterpolated($"[grey]{Clock.Elapsed.TotalSeconds,7:F1} s[/] [cyan]▶[/] {what}");

    /// <summary>Reports a step's result.</summary>
    public static void Done(string what)
        => Console.MarkupLineInterpolated($"[grey]{Clock.Elapsed.TotalSeconds,7:F1} s[/] [green]✓[/] {what}");
}
