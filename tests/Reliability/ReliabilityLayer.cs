namespace Attribution.Tests.Reliability;

/// <summary>Puts every test of the reliability suite (this namespace) in the Reliability category.</summary>
[SetUpFixture]
[Category(TestCategories.Reliability)]
public sealed class ReliabilityLayer
{
}
