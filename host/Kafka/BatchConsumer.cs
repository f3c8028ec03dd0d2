using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Attribution.Host.Kafka;

/// <summary>
/// Drains a Confluent.Kafka group consumer's queue in batches through librdkafka's own queue API
/// (rd_kafka_consume_batch_queue on the consumer's rd_kafka_t), so each record's payload is read where librdkafka
/// holds it: no ConsumeResult, Message, topic string or copy per record. Serving the queue this way still runs the
/// consumer's rebalance, error and log callbacks (librdkafka serves them while it fills the batch); Confluent.Kafka
/// keeps group membership, Seek, Pause/Resume, offsets and transactions. Source thread only.
/// </summary>
/// <remarks>
/// A polled batch is held until <see cref="Release"/> (or the next <see cref="Poll"/>, or <see cref="Dispose"/>)
/// destroys what is left of it, so no exit path leaks a librdkafka message. Dispose before the consumer is closed.
/// </remarks>
internal sealed unsafe class BatchConsumer : IDisposable
{
    private readonly RdKafkaNative.Exports _rd;
    private readonly SafeHandle _client;
    private readonly IntPtr _rk;
    private readonly string _inputTopic;
    private readonly int _capacity;
    private IntPtr _queue;
    private RdKafkaNative.Message** _batch;
    private int _count;
    private int _next;
    private bool _lastWasEmpty = true;
    // The topic handles seen so far (librdkafka keeps one per topic while the consumer is subscribed).
    private IntPtr _inputRkt;
    private IntPtr _otherRkt;

    /// <summary>Binds to <paramref name="consumer"/>'s librdkafka handle; <paramref name="inputTopic"/> is told apart from any other subscribed topic.</summary>
    /// <exception cref="InvalidOperationException">The consumer has no librdkafka handle this version of Confluent.Kafka exposes, or no group queue.</exception>
    public BatchConsumer(IClient consumer, string inputTopic, int capacity = 4096)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _rd = RdKafkaNative.Bound;
        _client = RdKafkaNative.HandleOf(consumer);
        bool added = false;
        _client.DangerousAddRef(ref added); // the consumer outlives this object, but never its handle under our feet
        _rk = _client.DangerousGetHandle();
        _inputTopic = inputTopic;
        _capacity = capacity;
        _queue = _rd.QueueGetConsumer(_rk);
        if (_queue == IntPtr.Zero)
        {
            _client.DangerousRelease();
            throw new InvalidOperationException("The Kafka consumer has no group queue to consume in batches.");
        }
        _batch = (RdKafkaNative.Message**)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(IntPtr));
    }

    /// <summary>
    /// Destroys what is left of the previous batch and polls the next: waits up to <paramref name="timeoutMs"/> for a
    /// first record only after a poll that found none (so a busy consumer never waits to fill a batch). Returns the count.
    /// </summary>
    public int Poll(int timeoutMs)
    {
        ObjectDisposedException.ThrowIf(_batch is null, this);
        Release();
        nint n = _lastWasEmpty
            ? _rd.ConsumeBatchQueue(_queue, timeoutMs, _batch, 1) // returns with the first record
            : _rd.ConsumeBatchQueue(_queue, 0, _batch, _capacity);
        _count = n < 0 ? 0 : (int)n;
        _next = 0;
        _lastWasEmpty = _count == 0;
        return _count;
    }

    /// <summary>The next message of the batch (its memory is librdkafka's until <see cref="Release"/>), or null at the end.</summary>
    public RdKafkaNative.Message* Next() => _next < _count ? _batch[_next++] : null;

    /// <summary>Destroys the batch's messages not destroyed yet (all of them: a message is only read while its batch is held).</summary>
    public void Release()
    {
        for (int i = 0; i < _count; i++)
        {
            if (_batch[i] is not null)
            {
                _rd.MessageDestroy(_batch[i]);
                _batch[i] = null;
            }
        }
        _count = 0;
        _next = 0;
    }

    /// <summary>How many messages of the current batch are not handed out by <see cref="Next"/> yet.</summary>
    public int Remaining => _count - _next;

    /// <summary>Whether <paramref name="m"/> is a record of the input topic (else of the other subscribed topic).</summary>
    public bool IsInput(RdKafkaNative.Message* m)
    {
        IntPtr rkt = m->Rkt;
        if (rkt == _inputRkt)
        {
            return true;
        }
        if (rkt == _otherRkt)
        {
            return false;
        }
        if (_rd.TopicName(rkt) == _inputTopic)
        {
            _inputRkt = rkt;
            return true;
        }
        _otherRkt = rkt;
        return false;
    }

    /// <summary>The record's Kafka timestamp in ms since the epoch (-1 when it has none).</summary>
    public long Timestamp(RdKafkaNative.Message* m) => _rd.MessageTimestamp(m);

    /// <summary>The last value of header <paramref name="nameUtf8Z"/> (UTF-8, NUL-terminated) of <paramref name="m"/>; read only when needed.</summary>
    public bool TryHeader(RdKafkaNative.Message* m, ReadOnlySpan<byte> nameUtf8Z, out ReadOnlySpan<byte> value) => _rd.LastHeader(m, nameUtf8Z, out value);

    /// <summary>The sentence part of an error message: librdkafka's text (the payload of an error message) or the code's name.</summary>
    public string ErrorReason(RdKafkaNative.Message* m)
    {
        if (m->Err == RdKafkaNative.Fatal && _rd.FatalError(_rk) is { } fatal)
        {
            return fatal;
        }
        return m->Payload is not null && m->Len > 0
            ? System.Text.Encoding.UTF8.GetString(m->Payload, (int)Math.Min(m->Len, 4096))
            : _rd.ErrorText(m->Err);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_batch is null)
        {
            return;
        }
        Release();
        NativeMemory.Free(_batch);
        _batch = null;
        _rd.QueueDestroy(_queue);
        _queue = IntPtr.Zero;
        _client.DangerousRelease();
    }
}
