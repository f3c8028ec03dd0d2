using System.Buffers.Text;
using System.Text;

namespace Attribution.Host.Run;

/// <summary>
/// Header names on produced records and their value encoding (ASCII decimal, so <c>kcat -f '%h'</c>
/// shows them). Output records carry the input partition and offset of their conversion; recovery
/// reads them back to know what is already in Kafka.
/// </summary>
internal static class RunHeaders
{
    /// <summary>Input partition of an attribution's conversion.</summary>
    public const string SourcePartition = "src-partition";
    /// <summary>Input offset of an attribution's conversion.</summary>
    public const string SourceOffset = "src-offset";
    /// <summary>On a repartition record, and on a dead letter of one: the input partition the record was copied from.</summary>
    public const string InputPartition = "input-partition";
    /// <summary>On a repartition record, and on a dead letter of one: the input offset the record was copied from.</summary>
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
}
