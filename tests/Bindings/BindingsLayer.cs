namespace Attribution.Tests.Bindings;

/// <summary>Puts every test of the C ABI bindings (this namespace) in the Bindings category.</summary>
[SetUpFixture]
[Category(TestCategories.Bindings)]
public sealed class BindingsLayer
{
}
