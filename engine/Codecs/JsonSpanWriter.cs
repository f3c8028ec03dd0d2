using System.Buffers;
using System.Buffers.Text;

namespace Attribution.Engine.Codecs;

/// <summary>
/// Writes compact JSON into a span. Once something does not fit it stops writing and <see cref="Overflowed"/>
/// is set, so callers check once at the end instead of after every field.
/// </summary>
internal ref struct JsonSpanWriter
{
    // Bytes that must be escaped inside a JSON string: C0 controls, quote, backslash. Everything else
    // (including non-ASCII UTF-8) is written as is, which is valid JSON for any valid UTF-8 input.
    private static readonly SearchValues<byte> NeedsEscape = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\"\\"u8);

    private readonly Span<byte> _destination;
    private int _position;

    public JsonSpanWriter(Span<byte> destination)
    {
        _destination = destination;
        _position = 0;
        Overflowed = false;
    }

    /// <summary>True when some write did not fit; the content is then incomplete.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Bytes written, or -1 when the destination was too small.</summary>
    public readonly int Result => Overflowed ? -1 : _position;

    /// <summary>Upper bound of the bytes <see cref="WriteString"/> writes for <paramref name="length"/> input bytes (every byte as <c>\u00XX</c>, plus quotes).</summary>
    public static int MaxStringBytes(int length) => (6 * length) + 2;

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        if (Overflowed || bytes.Length > _destination.Length - _position)
        {
            Overflowed = true;
            return;
        }
        bytes.CopyTo(_destination[_position..]);
        _position += bytes.Length;
    }

    public void WriteByte(byte b)
    {
        if (Overflowed || _position >= _destination.Length)
        {
            Overflowed = true;
            return;
        }
        _destination[_position++] = b;
    }

    /// <summary>Writes a quoted, escaped JSON string from UTF-8 bytes.</summary>
    public void WriteString(scoped ReadOnlySpan<byte> utf8)
    {
        WriteByte((byte)'"');
        while (!utf8.IsEmpty)
        {
            int next = utf8.IndexOfAny(NeedsEscape);
            if (next < 0)
            {
                WriteRaw(utf8);
                break;
            }
            WriteRaw(utf8[..next]);
            WriteEscaped(utf8[next]);
            utf8 = utf8[(next + 1)..];
        }
        WriteByte((byte)'"');
    }

    public void WriteInt64(long value)
    {
        if (Overflowed || !Utf8Formatter.TryFormat(value, _destination[_position..], out int written))
        {
            Overflowed = true;
            return;
        }
        _position += written;
    }

    public void WriteNull() => WriteRaw("null"u8);

    private void WriteEscaped(byte b)
    {
        switch (b)
        {
            case (byte)'"': WriteRaw("\\\""u8); break;
            case (byte)'\\': WriteRaw("\\\\"u8); break;
            case (byte)'\n': WriteRaw("\\n"u8); break;
            case (byte)'\r': WriteRaw("\\r"u8); break;
            case (byte)'\t': WriteRaw("\\t"u8); break;
            case (byte)'\b': WriteRaw("\\b"u8); break;
            case (byte)'\f': WriteRaw("\\f"u8); break;
            default:
                WriteRaw("\\u00"u8);
                WriteByte(HexDigit(b >> 4));
                WriteByte(HexDigit(b & 0xF));
                break;
        }
    }

    private static byte HexDigit(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
