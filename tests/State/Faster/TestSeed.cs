using System.Globalization;

namespace Attribution.Tests.State.Faster;

/// <summary>Seed for randomised tests: ATTRIBUTION_SEED when set, else fresh; always printed.</summary>
internal static class TestSeed
{
    public static int Next()
    {
        var env = Environment.GetEnvironmentVariable("ATTRIBUTION_SEED");
        var seed = env is null ? Random.Shared.Next() : int.Parse(env, CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"seed = {seed} (set ATTRIBUTION_SEED={seed} to repeat)");
        return seed;
    }
}
