namespace Attribution.Bench;

/// <summary>
/// One runnable benchmark suite: `dotnet run -c Release --project bench -- NAME [args]`.
/// Suites are found by reflection, so adding one is adding a class.
/// </summary>
public interface IBenchSuite
{
    /// <summary>Short name used on the command line (e.g. "ring").</summary>
    string Name { get; }

    /// <summary>One line shown by the suite list.</summary>
    string Description { get; }

    /// <summary>Runs the suite; returns the process exit code.</summary>
    int Run(string[] args);
}
