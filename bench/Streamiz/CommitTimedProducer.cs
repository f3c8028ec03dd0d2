using System.Buffers.Text;
using Confluent.Kafka;
using HdrHistogram;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// Streamiz's own producer, passed through unchanged, that also times its transactions: for every attribution it sent to
/// the output topic it records, when the transaction holding it has committed, now − the attribution's conversion_time
/// (the intended produce time of the input in the paced run). The embedded broker keeps no transaction state, so its
/// read_committed readers see records before their commit; this is the time a reader of a real cluster waits for, the
/// same figure the engine's pipeline keeps for its own transactions.
/// </summary>
internal sealed class CommitTimedProducer : IProducer<byte[], byte[]>
{
    private const long MaxNanos = 600_000_000_000;
    private static readonly byte[] Field = "\"conversion_time\":"u8.ToArray();

    private readonly IProducer<byte[], byte[]> _inner;
    private readonly string _outputTopic;
    private readonly LongHistogram _histogram;
    private readonly List<long> _open = [];

    /// <summary>Wraps <paramref name="inner"/>; attributions sent to <paramref name="outputTopic"/> are timed into <paramref name="histogram"/>.</summary>
    public CommitTimedProducer(IProducer<byte[], byte[]> inner, string outputTopic, LongHistogram histogram)
    {
        _inner = inner;
        _outputTopic = outputTopic;
        _histogram = histogram;
    }

    /// <inheritdoc />
    public Handle Handle => _inner.Handle;

    /// <inheritdoc />
    public string Name => _inner.Name;

    /// <inheritdoc />
    public int AddBrokers(string brokers) => _inner.AddBrokers(brokers);

    /// <inheritdoc />
    public void SetSaslCredentials(string username, string password) => _inner.SetSaslCredentials(username, password);

    /// <inheritdoc />
    public Task<DeliveryResult<byte[], byte[]>> ProduceAsync(string topic, Message<byte[], byte[]> message, CancellationToken cancellationToken = default)
    {
        Sent(topic, message);
        return _inner.ProduceAsync(topic, message, cancellationToken);
    }

    /// <inheritdoc />
    public Task<DeliveryResult<byte[], byte[]>> ProduceAsync(TopicPartition topicPartition, Message<byte[], byte[]> message, CancellationToken cancellationToken = default)
    {
        Sent(topicPartition.Topic, message);
        return _inner.ProduceAsync(topicPartition, message, cancellationToken);
    }

    /// <inheritdoc />
    public void Produce(string topic, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>>? deliveryHandler = null)
    {
        Sent(topic, message);
        _inner.Produce(topic, message, deliveryHandler);
    }

    /// <inheritdoc />
    public void Produce(TopicPartition topicPartition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>>? deliveryHandler = null)
    {
        Sent(topicPartition.Topic, message);
        _inner.Produce(topicPartition, message, deliveryHandler);
    }

    /// <inheritdoc />
    public int Poll(TimeSpan timeout) => _inner.Poll(timeout);

    /// <inheritdoc />
    public int Flush(TimeSpan timeout) => _inner.Flush(timeout);

    /// <inheritdoc />
    public void Flush(CancellationToken cancellationToken = default) => _inner.Flush(cancellationToken);

    /// <inheritdoc />
    public void InitTransactions(TimeSpan timeout) => _inner.InitTransactions(timeout);

    /// <inheritdoc />
    public void BeginTransaction() => _inner.BeginTransaction();

    /// <inheritdoc />
    public void CommitTransaction(TimeSpan timeout)
    {
        _inner.CommitTransaction(timeout);
        Committed();
    }

    /// <inheritdoc />
    public void CommitTransaction()
    {
        _inner.CommitTransaction();
        Committed();
    }

    /// <inheritdoc />
    public void AbortTransaction(TimeSpan timeout)
    {
        _inner.AbortTransaction(timeout);
        Aborted();
    }

    /// <inheritdoc />
    public void AbortTransaction()
    {
        _inner.AbortTransaction();
        Aborted();
    }

    /// <inheritdoc />
    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout)
        => _inner.SendOffsetsToTransaction(offsets, groupMetadata, timeout);

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();

    private void Sent(string topic, Message<byte[], byte[]> message)
    {
        if (topic != _outputTopic || message.Value is not { } value)
        {
            return;
        }
        int at = value.AsSpan().IndexOf(Field);
        if (at >= 0 && Utf8Parser.TryParse(value.AsSpan(at + Field.Length), out long ms, out _))
        {
            lock (_open)
            {
                _open.Add(ms);
            }
        }
    }

    private void Committed()
    {
        long nowNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        lock (_open)
        {
            lock (_histogram)
            {
                foreach (long ms in _open)
                {
                    _histogram.RecordValue(Math.Clamp(nowNs - (ms * 1_000_000), 1, MaxNanos));
                }
            }
            _open.Clear();
        }
    }

    private void Aborted()
    {
        lock (_open)
        {
            _open.Clear(); // aborted records are never readable under read_committed
        }
    }
}
