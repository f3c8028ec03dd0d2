using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Copies each consumed value into one reusable buffer instead of a new array per record, so the
/// source hands the engine a span. Called by Confluent.Kafka inside <c>Consume</c>, on the source thread.
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
