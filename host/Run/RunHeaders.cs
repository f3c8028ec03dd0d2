using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Header names on produced records and their value encoding. Every output and every repartition copy carries
/// one <see cref="CoordinatesLength"/>-byte binary header, the input partition and offset it came from (recovery
/// reads them back to know what is already in Kafka); one small header written from a reused buffer costs a
/// fraction of the two decimal headers each record carried before. Dead letters, which are rare and read by
/// people, keep ASCII decimal headers (<c>kcat -f '%h'</c> shows them).
/// </summary>
internal static class RunHeaders
{
    /// <summary>On an output: the input partition (int32) and offset (int64) of its conversion, big-endian.</summary>
    public const string Source = "src";
    /// <summary>On a repartition copy: the input partition (int32) and offset (int64) it was copied from, big-endian.</summary>
    public const string Input = "input";
    /// <summary><see cref="Source"/> in UTF-8, NUL-terminated (for librdkafka's produce).</summary>
    public static ReadOnlySpan<byte> SourceZ => "src\0"u8;
    /// <summary><see cref="Input"/> in UTF-8, NUL-terminated (for librdkafka's produce).</summary>
    public static ReadOnlySpan<byte> InputZ => "input\0"u8;
    /// <summary>Length of a <see cref="Source"/> or <see cref="Input"/> header value.</summary>
    public const int CoordinatesLength = 12;
    /// <summary>Earlier builds' output header: the input partition of an attribution's conversion, ASCII decimal (still read by recovery).</summary>
    public const string SourcePartition = "src-partition";
    /// <summary>Earlier builds' output header: the input offset of an attribution's conversion, ASCII decimal (still read by recovery).</summary>
    public const string SourceOffset = "src-offset";
    /// <summary>On a dead letter of a repartition copy (and earlier builds' copies): the input partition the record was copied from.</summary>
    public const string InputPartition = "input-partition";
    /// <summary>On a dead letter of a repartition copy (and earlier builds' copies): the input offset the record was copied from.</summary>
    public const string InputOffset = "input-offset";
    /// <summary>Why a dead letter was rejected.</summary>
    public const string Reason = "reason";
    /// <summary>The input field a dead letter's reason is about (e.g. <c>timestamp</c>); absent when the reason concerns the whole record.</summary>
    public const string Field = "field";
    /// <summary>Input partition of a dead letter.</summary>
    public const string DeadLetterPartition = "source-partition";
    /// <summary>Input offset of a dead letter.</summary>
    public const string DeadLetterOffset = "source-offset";
    /// <summary>Input topic of a dead letter.</summary>
    public const string DeadLetterTopic = "source-topic";

    /// <summary>Dead-letter header: the input value's length when the letter carries only its first <see cref="DeadLetter.MaxBytes"/> bytes.</summary>
    public const string OriginalValueBytes = "original-value-bytes";

    /// <summary>Writes <paramref name="value"/> as ASCII decimal; returns the length.</summary>
    public static int Format(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out int written);
        return written;
    }

    /// <summary>ASCII decimal bytes of a number (for the rare dead letters).</summary>
    public static byte[] Text(long value) => Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Parses an ASCII decimal header value; false when it is not one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out long number) =>
        Utf8Parser.TryParse(value, out number, out int consumed) && consumed == value.Length && value.Length > 0;

    /// <summary>Writes input coordinates into a <see cref="CoordinatesLength"/>-byte header value.</summary>
    public static void WriteCoordinates(int partition, long offset, Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, partition);
        BinaryPrimitives.WriteInt64BigEndian(destination[4..], offset);
    }

    /// <summary>
    /// Reads the input coordinates a record carries: the binary header <paramref name="binary"/>, or else the two
    /// decimal headers <paramref name="partitionName"/> / <paramref name="offsetName"/> (earlier builds, dead letters).
    /// </summary>
    public static bool TryReadCoordinates(Headers headers, string? binary, string partitionName, string offsetName, out long partition, out long offset)
    {
        if (binary is not null && headers.TryGetLastBytes(binary, out var b) && TryReadCoordinates(b, out int binaryPartition, out offset))
        {
            partition = binaryPartition;
            return true;
        }
        partition = offset = 0;
        return headers.TryGetLastBytes(partitionName, out var p) && headers.TryGetLastBytes(offsetName, out var o)
            && TryParse(p, out partition) && TryParse(o, out offset);
    }

    /// <summary>Reads a <see cref="Source"/> or <see cref="Input"/> header value; false when it is not <see cref="CoordinatesLength"/> bytes.</summary>
    public static bool TryReadCoordinates(ReadOnlySpan<byte> value, out int partition, out long offset)
    {
        if (value.Length != CoordinatesLength)
        {
            partition = 0;
            offset = 0;
            return false;
        }
        partition = BinaryPrimitives.ReadInt32BigEndian(value);
        offset = BinaryPrimitives.ReadInt64BigEndian(value[4..]);
        return true;
    }
}
