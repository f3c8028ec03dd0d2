using System.Globalization;

namespace Attribution.Engine.Codecs;

/// <summary>The exact decimal text of a <c>value</c>: grammar check and allocation-free formatting of binary numbers.</summary>
internal static class JsonNumberText
{
    /// <summary>True when <paramref name="text"/> is a JSON number (RFC 8259 §6): <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    public static bool IsValid(ReadOnlySpan<byte> text)
    {
        int i = 0;
        if (i < text.Length && text[i] == (byte)'-')
        {
            i++;
        }
        if (i >= text.Length)
        {
            return false;
        }
        if (text[i] == (byte)'0')
        {
            i++;
        }
        else if (IsDigit(text[i]))
        {
            i = SkipDigits(text, i);
        }
        else
        {
            return false;
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            int start = ++i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }
        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < text.Length && text[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }
            int start = i;
            i = SkipDigits(text, i);
            if (i == start)
            {
                return false;
            }
        }
        return i == text.Length;
    }

    /// <summary>Writes the shortest text that round-trips <paramref name="value"/>; false for NaN/infinity (not JSON numbers).</summary>
    public static bool TryFormat(double value, Span<byte> destination, out int written)
    {
        if (!double.IsFinite(value))
        {
            written = 0;
            return false;
        }
        // "R" = shortest round-trip text since .NET Core 3.0; exponent form "1E+21" is a valid JSON number.
        return value.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
    }

    /// <summary>Writes the shortest text that round-trips a single-precision <paramref name="value"/>; false for NaN/infinity.</summary>
    public static bool TryFormat(float value, Span<byte> destination, out int written)
    {
        if (!float.IsFinite(value))
        {
            written = 0;
            return false;
        }
        return value.TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static int SkipDigits(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }
        return i;
    }
}
