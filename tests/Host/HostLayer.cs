namespace Attribution.Tests.Host;

/// <summary>Puts every test of the host layer (this namespace: the command, Kafka, replay, run, bench) in the Host category.</summary>
[SetUpFixture]
[Category(TestCategories.Host)]
public sealed class HostLayer
{
}
