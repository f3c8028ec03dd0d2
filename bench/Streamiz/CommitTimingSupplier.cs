using Confluent.Kafka;
using HdrHistogram;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Kafka;
using Streamiz.Kafka.Net.Metrics;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// Streamiz's default client supplier (the clients it builds unless told otherwise), whose producers are wrapped in
/// <see cref="CommitTimedProducer"/> to time its transactions; every client is built and configured as by default.
/// </summary>
internal sealed class CommitTimingSupplier : IKafkaSupplier
{
    private readonly DefaultKafkaClientSupplier _inner;
    private readonly string _outputTopic;

    /// <summary>Times attributions sent to <paramref name="outputTopic"/> into <see cref="Committed"/>.</summary>
    public CommitTimingSupplier(IStreamConfig config, string outputTopic)
    {
        _inner = new DefaultKafkaClientSupplier(new KafkaLoggerAdapter(config), config);
        _outputTopic = outputTopic;
    }

    /// <summary>Intended produce time of the input → the transaction holding its attribution committed, in ns.</summary>
    public LongHistogram Committed { get; } = new(600_000_000_000, 3);

    /// <inheritdoc />
    public StreamMetricsRegistry MetricsRegistry
    {
        get => _inner.MetricsRegistry;
        set => _inner.MetricsRegistry = value;
    }

    /// <inheritdoc />
    public IProducer<byte[], byte[]> GetProducer(ProducerConfig config) => new CommitTimedProducer(_inner.GetProducer(config), _outputTopic, Committed);

    /// <inheritdoc />
    public IConsumer<byte[], byte[]> GetConsumer(ConsumerConfig config, IConsumerRebalanceListener rebalanceListener) => _inner.GetConsumer(config, rebalanceListener);

    /// <inheritdoc />
    public IConsumer<byte[], byte[]> GetRestoreConsumer(ConsumerConfig config) => _inner.GetRestoreConsumer(config);

    /// <inheritdoc />
    public IAdminClient GetAdmin(AdminClientConfig config) => _inner.GetAdmin(config);

    /// <inheritdoc />
    public IConsumer<byte[], byte[]> GetGlobalConsumer(ConsumerConfig config) => _inner.GetGlobalConsumer(config);
}
