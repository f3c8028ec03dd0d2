using System.Globalization;

namespace Attribution.Tests.Ring;

/// <summary>Seed for randomised ring tests: ATTRIBUTION_SEED when set, otherwise fresh; always printed.</summary>
internal static class RingTestSeed
{
    public static int Get()
    {
        string? env = Environment.GetEnvironmentVariable("ATTRIBUTION_SEED");
        int seed = env is not null && int.TryParse(env, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)
            ? s
            : Random.Shared.Next();
        TestContext.Out.WriteLine($"seed {seed} (set ATTRIBUTION_SEED={seed} to replay)");
        return seed;
    }
}
