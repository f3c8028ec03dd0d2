using System.Globalization;

namespace Attribution.Tests.Attribution;

/// <summary>Seeds for randomised tests: ATTRIBUTION_SEED when set (to replay a failure), else a fresh one. Always printed.</summary>
public static class TestSeed
{
    /// <summary>Returns the seed for this test and prints it.</summary>
    public static int Get()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("ATTRIBUTION_SEED");
        int seed = fromEnv is not null ? int.Parse(fromEnv, CultureInfo.InvariantCulture) : Random.Shared.Next();
        TestContext.Out.WriteLine($"seed {seed} (replay with ATTRIBUTION_SEED={seed})");
        return seed;
    }
}
