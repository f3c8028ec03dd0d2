namespace Attribution.Tests.Support;

/// <summary>
/// What a test needs from the machine (a tool such as kcat, root for mounting a tmpfs). In CI (<c>CI=true</c>, set by
/// the CI runner; .ci/run installs the tools through scripts/install-deps.sh) a missing prerequisite fails the test, so a
/// suite can never turn green by skipping; on a developer machine the test is skipped with the same sentence.
/// </summary>
public static class TestPrerequisite
{
    /// <summary>The variable the CI runner sets to <c>true</c>.</summary>
    public const string CiVariable = "CI";

    /// <summary>True when running in CI.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable(CiVariable), "true", StringComparison.OrdinalIgnoreCase)
        || Environment.GetEnvironmentVariable(CiVariable) == "1";

    /// <summary>
    /// The exception that reports a missing prerequisite (throw it): a failure in CI, a skip elsewhere.
    /// <paramref name="missing"/> names what is missing and <paramref name="remedy"/> how to get it; both go into one sentence.
    /// </summary>
    public static Exception Missing(string missing, string remedy)
    {
        string sentence = $"{missing}; {remedy}.";
        return InCi
            ? new AssertionException($"Missing in CI: {sentence} (CI must run every test; scripts/install-deps.sh installs the tools)")
            : new IgnoreException($"{sentence} (skipped on this machine; in CI, with CI=true, this fails)");
    }

    /// <summary>kcat (or its old name kafkacat) on PATH: the Kafka client that is not ours.</summary>
    public static string Kcat()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "kcat", "kafkacat" })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw Missing("kcat is not installed (the tests produce and read Kafka records with a client that is not ours)", "install it with `apt-get install -y kcat` or `bash scripts/install-deps.sh`");
    }
}
