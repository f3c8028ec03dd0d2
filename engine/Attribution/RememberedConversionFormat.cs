using System.Buffers.Binary;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Value of the conversion table (attributed conversion ids): <c>[i64 conversion ts LE]</c>.
/// The conversion's own event time, not the arrival time, drives its retention (rule 6: event time only).
/// </summary>
internal static class RememberedConversionFormat
{
    /// <summary>Size of a value.</summary>
    public const int Bytes = sizeof(long);

    /// <summary>Writes the value; returns its length.</summary>
    public static int Write(Span<byte> destination, long conversionTimestamp)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, conversionTimestamp);
        return Bytes;
    }

    /// <summary>Reads the conversion time from a value; throws when it is not one.</summary>
    public static long Read(ReadOnlySpan<byte> value)
    {
        if (value.Length != Bytes)
        {
            AttributionThrowHelper.ThrowCorruptState($"a remembered conversion holds {value.Length} bytes, not {Bytes}");
        }
        return BinaryPrimitives.ReadInt64LittleEndian(value);
    }
}
