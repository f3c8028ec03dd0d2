namespace Attribution.Tests.Reliability;

/// <summary>Puts every test of the reliability suite (this namespace) in the Reliability category, and in Slow: scripts/reliability.sh runs it.</summary>
[SetUpFixture]
[Category(TestCategories.Reliability)]
[Category(TestCategories.Slow)]
public sealed class ReliabilityLayer
{
}
