namespace Attribution.Host.Cli;

/// <summary>What a command runs with: the environment it reads settings from, its streams and a stop token (tests).</summary>
/// <param name="Environment">Environment variables (the process's, or a test's own).</param>
/// <param name="Output">Standard output (help, the broker's address).</param>
/// <param name="Error">Standard error (sentences, logs, summaries).</param>
/// <param name="Stop">Also stops a long-running command.</param>
/// <param name="ExitIfStuck">Whether <c>run</c> may end the process when a stop takes too long (the binary only).</param>
public sealed record CliContext(IReadOnlyDictionary<string, string> Environment, TextWriter Output, TextWriter Error, CancellationToken Stop, bool ExitIfStuck = false)
{
    /// <summary>The process environment as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = (string?)e.Value ?? "";
        }
        return env;
    }

    /// <summary>The process's console and environment.</summary>
    public static CliContext Console() => new(ProcessEnvironment(), System.Console.Out, System.Console.Error, CancellationToken.None, ExitIfStuck: true);
}
