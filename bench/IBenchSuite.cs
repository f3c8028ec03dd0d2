using System.CommandLine;

namespace Attribution.Bench;

/// <summary>
/// One runnable benchmark suite: `dotnet run -c Release --project bench -- NAME [flags]`, a subcommand
/// with its own flags (System.CommandLine: --help, suggestions). Suites are found by reflection, so
/// adding one is adding a class.
/// </summary>
public interface IBenchSuite
{
    /// <summary>Short name used on the command line (e.g. "ring").</summary>
    string Name { get; }

    /// <summary>One line shown by the suite list.</summary>
    string Description { get; }

    /// <summary>The suite's flags.</summary>
    IReadOnlyList<Option> Flags { get; }

    /// <summary>Whether flags it does not know go to BenchmarkDotNet (a suite made only of BenchmarkDotNet benchmarks).</summary>
    bool TakesBenchmarkDotNetArguments => false;

    /// <summary>Runs the suite with its parsed flags (--long is already applied); returns the process exit code.</summary>
    int Run(ParseResult flags);

    /// <summary>Runs the suite's BenchmarkDotNet benchmarks (`NAME --bdn [BenchmarkDotNet args]`); null when it has none.</summary>
    int? RunBenchmarkDotNet(string[] args) => null;
}
