using Confluent.Kafka;

namespace Attribution.Host.Kafka;

/// <summary>The production supplier: every client is the builder's own, unwrapped.</summary>
public sealed class KafkaSupplier : IKafkaSupplier
{
    /// <summary>The one instance (it holds no state).</summary>
    public static readonly KafkaSupplier Default = new();

    private KafkaSupplier()
    {
    }

    /// <inheritdoc/>
    public IConsumer<TKey, TValue> GetConsumer<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder) => Build(builder).Build();

    /// <inheritdoc/>
    public IConsumer<TKey, TValue> GetRestoreConsumer<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder) => Build(builder).Build();

    /// <inheritdoc/>
    public IProducer<TKey, TValue> GetProducer<TKey, TValue>(ProducerBuilder<TKey, TValue> builder) => Build(builder).Build();

    /// <inheritdoc/>
    public IAdminClient GetAdmin(AdminClientBuilder builder) => Build(builder).Build();

    private static T Build<T>(T builder) where T : class => builder ?? throw new ArgumentNullException(nameof(builder));
}
