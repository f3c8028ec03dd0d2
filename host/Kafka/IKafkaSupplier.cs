using Confluent.Kafka;

namespace Attribution.Host.Kafka;

/// <summary>
/// Where the host gets its Kafka clients: it configures a builder (settings, handlers, deserializers) and
/// the supplier builds it. Production builds the builder as is (<see cref="KafkaSupplier"/>); tests, the
/// demo and the benchmarks inject a supplier that wraps clients (the embedded test broker's offsets shim),
/// so the run path never knows which broker it talks to.
/// </summary>
public interface IKafkaSupplier
{
    /// <summary>The group consumer of the input topic (its offsets commit with the transactions).</summary>
    IConsumer<TKey, TValue> GetConsumer<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder);

    /// <summary>A short-lived reader of recovery (no group membership, no commits).</summary>
    IConsumer<TKey, TValue> GetRestoreConsumer<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder);

    /// <summary>The transactional producer (built again when a stuck one is replaced).</summary>
    IProducer<TKey, TValue> GetProducer<TKey, TValue>(ProducerBuilder<TKey, TValue> builder);

    /// <summary>An admin client (start-up checks, topic metadata).</summary>
    IAdminClient GetAdmin(AdminClientBuilder builder);

    /// <summary>
    /// True when committed offsets are stored after, not with, the transaction that carries them (the test broker's
    /// shim): a crash between the two leaves a transaction's records in Kafka without its offsets, so recovery must
    /// look for them. Kafka commits both atomically.
    /// </summary>
    bool StoresOffsetsAfterTransactions => false;

    /// <summary>Runs on the source thread before each poll of the group consumer's queue (the test broker's shim retries refused offset stores).</summary>
    void BeforePoll()
    {
    }
}
