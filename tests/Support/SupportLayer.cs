namespace Attribution.Tests.Support;

/// <summary>Puts the tests of the suite's own helpers (this namespace) in the Support category.</summary>
[SetUpFixture]
[Category(TestCategories.Support)]
public sealed class SupportLayer
{
}
