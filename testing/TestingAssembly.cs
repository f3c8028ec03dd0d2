namespace Attribution.Testing;

/// <summary>Marks the testing assembly (the embedded test broker and test-only writers live here).</summary>
public static class TestingAssembly
{
    /// <summary>The assembly's name, for messages.</summary>
    public const string Name = "Attribution.Testing";
}
