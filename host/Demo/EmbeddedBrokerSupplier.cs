using Attribution.Host.Kafka;
using Attribution.Host.Run;
using Attribution.Testing.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Demo;

/// <summary>
/// Kafka clients for the embedded test broker: the group consumer and the transactional producer go through
/// <see cref="MockBrokerOffsets"/>, which stores the offsets of each committed transaction once more with a plain
/// commit (the test broker drops offsets sent in a transaction). Injected by the demo, the tests and the
/// benchmarks, and by <c>attribution run</c> only under <see cref="TestBrokerSwitch"/>.
/// </summary>
internal sealed class EmbeddedBrokerSupplier(RunOptions options, RunLog log) : IKafkaSupplier
{
    // Half a transactional call's time: the store runs inside the guarded CommitTransaction, which must not look stuck.
    private readonly MockBrokerOffsets _offsets = new(m => log.Warn("consumer", m), TransactionalSink.ApiTimeout(options) / 2);

    /// <inheritdoc/>
    public IConsumer<TKey, TValue> GetConsumer<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder) => _offsets.Consumer(builder.Build());

    /// <inheritdoc/>
    public IConsumer<TKey, TValue> GetRestoreConsumer<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder) => builder.Build();

    /// <inheritdoc/>
    public IProducer<TKey, TValue> GetProducer<TKey, TValue>(ProducerBuilder<TKey, TValue> builder) => _offsets.Producer(builder.Build());

    /// <inheritdoc/>
    public IAdminClient GetAdmin(AdminClientBuilder builder) => builder.Build();

    /// <inheritdoc/>
    public bool StoresOffsetsAfterTransactions => true;

    /// <inheritdoc/>
    public void BeforePoll() => _offsets.Retry();
}
