namespace Attribution.Tests.Ring;

/// <summary>Seed for randomised ring tests: the suite's one seed helper (ATTRIBUTION_SEED when set, else fresh; always printed).</summary>
internal static class RingTestSeed
{
    public static int Get() => global::Attribution.Tests.Attribution.TestSeed.Get();
}
