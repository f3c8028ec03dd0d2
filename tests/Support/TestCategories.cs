namespace Attribution.Tests.Support;

/// <summary>
/// The NUnit categories of the suite: one per layer (given to every test of the layer's namespace by its
/// <c>[SetUpFixture]</c>, e.g. <c>Engine/EngineLayer.cs</c>) and <see cref="Slow"/> for what a quick run leaves out.
/// Select them with <c>dotnet test --filter "TestCategory=Engine"</c> or <c>--filter "TestCategory!=Slow"</c>.
/// </summary>
public static class TestCategories
{
    /// <summary>The engine library in-process: codecs, ring, attribution core, state, snapshots, pipeline.</summary>
    public const string Engine = "Engine";

    /// <summary>The host (the <c>attribution</c> command, its Kafka run and replay) and the bench tool.</summary>
    public const string Host = "Host";

    /// <summary>The C ABI of the native library.</summary>
    public const string Bindings = "Bindings";

    /// <summary>The reliability suite: chaos, kill loops, fuzzing, disk faults, malformed input (writes docs/RELIABILITY.md).</summary>
    public const string Reliability = "Reliability";

    /// <summary>The suite's own helpers (seed, allocation gate, layout).</summary>
    public const string Support = "Support";

    /// <summary>
    /// Tests that take seconds each (real processes, the embedded broker, long randomised or soak runs); a quick run
    /// (<c>--filter "TestCategory!=Slow"</c>) leaves them out. The whole suite runs them all.
    /// </summary>
    public const string Slow = "Slow";
}
