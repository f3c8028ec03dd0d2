using Confluent.Kafka;

namespace Attribution.Testing.Kafka;

/// <summary>A transactional producer that tells <see cref="MockBrokerOffsets"/> which offsets each committed transaction carried.</summary>
internal sealed class OffsetStoringProducer<TKey, TValue>(IProducer<TKey, TValue> inner, MockBrokerOffsets shim) : IProducer<TKey, TValue>
{
    private Error? _fenced; // set at BeginTransaction when the broker no longer knows the consumer as a group member

    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
        => inner.ProduceAsync(topic, message, cancellationToken);

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition topicPartition, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
        => inner.ProduceAsync(topicPartition, message, cancellationToken);

    public void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        if (_fenced is null) // a fenced transaction's records are never read on Kafka: the mock must not get them
        {
            inner.Produce(topic, message, deliveryHandler);
        }
    }

    public void Produce(TopicPartition topicPartition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        if (_fenced is null)
        {
            inner.Produce(topicPartition, message, deliveryHandler);
        }
    }

    public int Poll(TimeSpan timeout) => inner.Poll(timeout);

    public int Flush(TimeSpan timeout) => inner.Flush(timeout);

    public void Flush(CancellationToken cancellationToken = default) => inner.Flush(cancellationToken);

    public void InitTransactions(TimeSpan timeout) => inner.InitTransactions(timeout);

    public void BeginTransaction()
    {
        shim.TransactionEnded(committed: false); // nothing sent before this transaction belongs to it
        _fenced = shim.EvictedMember();
        // An evicted member's transaction is not begun on the client, so records produced past this wrapper, through
        // librdkafka on the same handle, are refused too (not in a transaction) and never reach the mock.
        if (_fenced is null)
        {
            inner.BeginTransaction();
        }
    }

    public void CommitTransaction(TimeSpan timeout)
    {
        ThrowIfFenced();
        inner.CommitTransaction(timeout);
        shim.TransactionEnded(committed: true);
    }

    public void CommitTransaction()
    {
        ThrowIfFenced();
        inner.CommitTransaction();
        shim.TransactionEnded(committed: true);
    }

    public void AbortTransaction(TimeSpan timeout)
    {
        if (_fenced is null)
        {
            inner.AbortTransaction(timeout);
        }
        _fenced = null;
        shim.TransactionEnded(committed: false);
    }

    public void AbortTransaction()
    {
        if (_fenced is null)
        {
            inner.AbortTransaction();
        }
        _fenced = null;
        shim.TransactionEnded(committed: false);
    }

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout)
    {
        ThrowIfFenced();
        var list = offsets.ToList();
        inner.SendOffsetsToTransaction(list, groupMetadata, timeout);
        shim.Sent(list);
    }

    public void Dispose() => inner.Dispose();

    // As a real broker answers the transaction of a member its group evicted: an error the host aborts on.
    private void ThrowIfFenced()
    {
        if (_fenced is { } error)
        {
            throw new KafkaException(new Error(error.Code, $"{error.Reason} (the test broker's offsets shim refused the transaction of an evicted group member, as KIP-447 does on Kafka)"));
        }
    }
}
