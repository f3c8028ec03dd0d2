using System.Globalization;

namespace Attribution.Tests.Support;

/// <summary>
/// The one seed helper of the suite, for every randomised test: <c>ATTRIBUTION_SEED</c> when set (to replay a failure),
/// else a fresh seed. The seed is always printed with the command that replays it, so a failure's output carries it.
/// </summary>
public static class TestSeed
{
    /// <summary>The environment variable that fixes the seed.</summary>
    public const string Variable = "ATTRIBUTION_SEED";

    /// <summary>Returns the seed for this test and prints it with the command that replays it.</summary>
    public static int Get()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(Variable);
        int seed;
        if (fromEnv is null)
        {
            seed = Random.Shared.Next();
        }
        else if (!int.TryParse(fromEnv, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
        {
            throw new ArgumentException($"{Variable} must be a 32-bit integer (a seed printed by an earlier run), but it is '{fromEnv}'.");
        }
        TestContext.Out.WriteLine($"seed {seed} (replay with {ReplayCommand(seed)})");
        return seed;
    }

    /// <summary>The command that reruns the current test with <paramref name="seed"/>.</summary>
    public static string ReplayCommand(int seed)
    {
        var test = TestContext.CurrentContext.Test;
        // The class and method name select the test and all its cases; parameter values would need quoting in a filter.
        string filter = test.ClassName is { } cls && test.MethodName is { } method ? $" --filter \"FullyQualifiedName~{cls}.{method}\"" : "";
        return $"{Variable}={seed.ToString(CultureInfo.InvariantCulture)} dotnet test tests -c Release{filter}";
    }
}
