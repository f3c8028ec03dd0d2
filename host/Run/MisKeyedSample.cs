using System.Buffers;
using System.Globalization;
using System.Text;

namespace Attribution.Host.Run;

/// <summary>
/// A sample Kafka key made safe for a <c>key="value"</c> log field: valid UTF-8 is shown as text; bytes that are not
/// UTF-8, control and format characters, quotes and backslashes are escaped (<c>\xNN</c>, <c>\u{NNNN}</c>,
/// <c>\\</c>), so a line can neither break nor end its quoted value early, whatever the key holds.
/// </summary>
public static class MisKeyedSample
{
    /// <summary>
    /// Appends the escaped form of <paramref name="key"/> to <paramref name="text"/>, at most <paramref name="maxChars"/>
    /// characters (an escape is never split); returns true when the key was cut.
    /// </summary>
    public static bool Append(StringBuilder text, ReadOnlySpan<byte> key, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        int written = 0;
        Span<char> piece = stackalloc char[16];
        while (!key.IsEmpty)
        {
            int length;
            int consumed;
            if (Rune.DecodeFromUtf8(key, out Rune rune, out consumed) == OperationStatus.Done)
            {
                length = Render(rune, piece);
            }
            else
            {
                // Not UTF-8: the offending byte alone, in hex.
                consumed = 1;
                length = Hex(key[0], piece);
            }
            if (written + length > maxChars)
            {
                return true;
            }
            text.Append(piece[..length]);
            written += length;
            key = key[consumed..];
        }
        return false;
    }

    private static int Render(Rune rune, Span<char> into)
    {
        if (rune.Value == '"')
        {
            return Hex((byte)'"', into); // \x22: a quote followed by a space would end the field for a log parser
        }
        if (rune.Value == '\\')
        {
            into[0] = '\\';
            into[1] = '\\';
            return 2;
        }
        if (rune.Value < 0x80 && !Rune.IsControl(rune))
        {
            into[0] = (char)rune.Value;
            return 1;
        }
        if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
        {
            if (rune.Value < 0x100)
            {
                return Hex((byte)rune.Value, into);
            }
            "\\u{".CopyTo(into);
            rune.Value.TryFormat(into[3..], out int digits, "X4", CultureInfo.InvariantCulture);
            into[3 + digits] = '}';
            return 4 + digits;
        }
        return rune.EncodeToUtf16(into);
    }

    private static int Hex(byte b, Span<char> into)
    {
        into[0] = '\\';
        into[1] = 'x';
        b.TryFormat(into[2..], out _, "X2", CultureInfo.InvariantCulture);
        return 4;
    }
}
