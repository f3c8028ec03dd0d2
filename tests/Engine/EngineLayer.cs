namespace Attribution.Tests.Engine;

/// <summary>Puts every test of the engine layer (this namespace) in the Engine category.</summary>
[SetUpFixture]
[Category(TestCategories.Engine)]
public sealed class EngineLayer
{
}
