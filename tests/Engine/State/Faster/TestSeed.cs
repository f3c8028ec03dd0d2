namespace Attribution.Tests.State.Faster;

/// <summary>Seed for randomised tests: the suite's one seed helper (ATTRIBUTION_SEED when set, else fresh; always printed).</summary>
internal static class TestSeed
{
    public static int Next() => global::Attribution.Tests.Attribution.TestSeed.Get();
}
