using Attribution.Host.Kafka;
using Attribution.Host.Run;

namespace Attribution.Host.Demo;

/// <summary>
/// The one test-only switch of <c>attribution run</c>: with <c>ATTRIBUTION_TEST_BROKER=1</c> in its environment the
/// host runs on <see cref="EmbeddedBrokerSupplier"/>, for a cluster that is the embedded test broker
/// (<c>attribution broker</c>, the tests' and benchmarks' child hosts). It is read here and nowhere else; without
/// it the host's commit path is KIP-447 only (offsets sent to the transaction, nothing more).
/// </summary>
public static class TestBrokerSwitch
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "ATTRIBUTION_TEST_BROKER";

    /// <summary>The supplier <c>attribution run</c> uses in <paramref name="environment"/>.</summary>
    public static IKafkaSupplier Supplier(IReadOnlyDictionary<string, string> environment, RunOptions options, RunLog log)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.GetValueOrDefault(Variable) == "1" ? new EmbeddedBrokerSupplier(options, log) : KafkaSupplier.Default;
    }
}
