using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Copies each consumed value into one reusable buffer instead of a new array per record. The group consumer is built
/// with it (its type names the consumer's record type), but the source loop reads records in batches
/// (<see cref="Kafka.BatchConsumer"/>) and never calls <c>Consume</c>, so it only runs if something does.
/// </summary>
internal sealed class RawValueDeserializer : IDeserializer<RawValue>
{
    private byte[] _buffer = new byte[64 * 1024];

    /// <summary>The last value's bytes start here.</summary>
    public byte[] Buffer => _buffer;

    /// <inheritdoc/>
    public RawValue Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return new RawValue(0, true);
        }
        if (data.Length > _buffer.Length)
        {
            _buffer = new byte[Math.Max(data.Length, _buffer.Length * 2)];
        }
        data.CopyTo(_buffer);
        return new RawValue(data.Length, false);
    }
}
