using Confluent.Kafka;

namespace Attribution.Testing.Kafka;

/// <summary>A transactional producer that tells <see cref="MockBrokerOffsets"/> which offsets each committed transaction carried.</summary>
internal sealed class OffsetStoringProducer<TKey, TValue>(IProducer<TKey, TValue> inner, MockBrokerOffsets shim) : IProducer<TKey, TValue>
{
    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
        => inner.ProduceAsync(topic, message, cancellationToken);

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition topicPartition, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
        => inner.ProduceAsync(topicPartition, message, cancellationToken);

    public void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
        => inner.Produce(topic, message, deliveryHandler);

    public void Produce(TopicPartition topicPartition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
        => inner.Produce(topicPartition, message, deliveryHandler);

    public int Poll(TimeSpan timeout) => inner.Poll(timeout);

    public int Flush(TimeSpan timeout) => inner.Flush(timeout);

    public void Flush(CancellationToken cancellationToken = default) => inner.Flush(cancellationToken);

    public void InitTransactions(TimeSpan timeout) => inner.InitTransactions(timeout);

    public void BeginTransaction()
    {
        shim.TransactionEnded(committed: false); // nothing sent before this transaction belongs to it
        inner.BeginTransaction();
    }

    public void CommitTransaction(TimeSpan timeout)
    {
        inner.CommitTransaction(timeout);
        shim.TransactionEnded(committed: true);
    }

    public void CommitTransaction()
    {
        inner.CommitTransaction();
        shim.TransactionEnded(committed: true);
    }

    public void AbortTransaction(TimeSpan timeout)
    {
        inner.AbortTransaction(timeout);
        shim.TransactionEnded(committed: false);
    }

    public void AbortTransaction()
    {
        inner.AbortTransaction();
        shim.TransactionEnded(committed: false);
    }

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout)
    {
        var list = offsets.ToList();
        inner.SendOffsetsToTransaction(list, groupMetadata, timeout);
        shim.Sent(list);
    }

    public void Dispose() => inner.Dispose();
}
