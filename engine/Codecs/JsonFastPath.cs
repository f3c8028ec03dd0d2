using System.Buffers;
using System.Runtime.CompilerServices;
using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>
/// The plain-span scan <see cref="JsonEventReader"/> tries first: it decides only records inside a narrow JSON
/// subset (strings without escapes, integer timestamps of at most 18 digits, shallow nesting) and gives up on
/// anything else, which <c>Utf8JsonReader</c> then reads from scratch.
/// </summary>
/// <remarks>
/// When it decides, the record is valid JSON, so the result only depends on the field states it hands to the
/// shared <see cref="EventFieldTracker"/>; it fills them and the record exactly as the exact path would (same
/// fields, same order, same bytes). Field order is free and unknown fields (such as <c>metadata</c>) are
/// validated and skipped, since producers put them in every other click.
/// </remarks>
internal static class JsonFastPath
{
    // A string's plain scan stops at its closing quote, an escape (left to the exact path) or a raw control
    // character (invalid JSON, also left to the exact path so it reports it).
    private static readonly SearchValues<byte> StringStops = SearchValues.Create(
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
         0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F,
         (byte)'"', (byte)'\\']);

    // Far below JsonEventReader.MaxDepth, so nothing this path accepts can exceed it.
    private const int MaxNesting = 16;

    // 18 digits always fit an int64; longer integers are left to the exact path's range check.
    private const int MaxTimestampDigits = 18;

    private enum Token : byte
    {
        Unsupported,
        String,
        Number,
        True,
        False,
        Null,
        Container,
    }

    /// <summary>
    /// Scans <paramref name="utf8"/> (already checked for size and UTF-8). True: it is a valid JSON object and
    /// <paramref name="record"/> and <paramref name="fields"/> hold what the exact path would have stored. False:
    /// outside the subset; both are then in an unspecified state and must be reset before the exact path runs.
    /// </summary>
    public static bool TryScan(ReadOnlySpan<byte> utf8, ref EventRecord record, ref EventFieldTracker fields)
    {
        int i = SkipWhitespace(utf8, 0);
        if (i >= utf8.Length || utf8[i] != (byte)'{')
        {
            return false;
        }
        i = SkipWhitespace(utf8, i + 1);
        if (i < utf8.Length && utf8[i] == (byte)'}')
        {
            return SkipWhitespace(utf8, i + 1) == utf8.Length;
        }
        while (true)
        {
            if (!TryString(utf8, ref i, out int nameStart, out int nameLength))
            {
                return false;
            }
            RecordField field = WireNames.Lookup(utf8.Slice(nameStart, nameLength));
            i = SkipWhitespace(utf8, i);
            if (i >= utf8.Length || utf8[i] != (byte)':')
            {
                return false;
            }
            i = SkipWhitespace(utf8, i + 1);
            Token token = Next(utf8, ref i, depth: 2, out int start, out int length);
            if (token == Token.Unsupported)
            {
                return false;
            }
            if (field != RecordField.None)
            {
                if (fields.IsSeen(field))
                {
                    fields.SetDuplicate(field);
                }
                else
                {
                    FieldState state = Store(field, token, utf8.Slice(start, length), ref record, ref fields);
                    if (state == 0)
                    {
                        return false;
                    }
                    fields.Set(field, state);
                }
            }
            i = SkipWhitespace(utf8, i);
            if (i >= utf8.Length)
            {
                return false;
            }
            if (utf8[i] == (byte)'}')
            {
                return SkipWhitespace(utf8, i + 1) == utf8.Length;
            }
            if (utf8[i] != (byte)',')
            {
                return false;
            }
            i = SkipWhitespace(utf8, i + 1);
        }
    }

    // What the exact path records for a known field's value; Absent (0) means "not decidable here".
    private static FieldState Store(RecordField field, Token token, ReadOnlySpan<byte> text, ref EventRecord record, ref EventFieldTracker fields)
    {
        if (token == Token.Null)
        {
            return FieldState.Null;
        }
        switch (field)
        {
            case RecordField.EventType:
                if (token != Token.String)
                {
                    return FieldState.WrongType;
                }
                fields.DeclaredKind = text.SequenceEqual(WireNames.Click) ? EventKind.Click
                    : text.SequenceEqual(WireNames.Conversion) ? EventKind.Conversion
                    : EventKind.None;
                return FieldState.Present;
            case RecordField.EventId:
                return StoreString(token, text, ref record, ref record.EventId, EventRecord.MaxIdBytes);
            case RecordField.UserId:
                return StoreString(token, text, ref record, ref record.UserId, EventRecord.MaxIdBytes);
            case RecordField.CampaignId:
                return StoreString(token, text, ref record, ref record.CampaignId, EventRecord.MaxIdBytes);
            case RecordField.AdId:
                return StoreString(token, text, ref record, ref record.AdId, EventRecord.MaxIdBytes);
            case RecordField.Source:
                return StoreString(token, text, ref record, ref record.Source, EventRecord.MaxLabelBytes);
            case RecordField.Type:
                return StoreString(token, text, ref record, ref record.ConversionType, EventRecord.MaxLabelBytes);
            case RecordField.Value:
                if (token != Token.Number)
                {
                    return FieldState.WrongType;
                }
                return record.TrySet(ref record.Value, text, EventRecord.MaxValueBytes) ? FieldState.Present : FieldState.TooLong;
            default:
                if (token != Token.Number)
                {
                    return FieldState.WrongType;
                }
                return TryInteger(text, out record.Timestamp) ? FieldState.Present : FieldState.Absent;
        }
    }

    private static FieldState StoreString(Token token, ReadOnlySpan<byte> text, ref EventRecord record, ref Utf8Field field, int maxBytes)
    {
        if (token != Token.String)
        {
            return FieldState.WrongType;
        }
        return record.TrySet(ref field, text, maxBytes) ? FieldState.Present : FieldState.TooLong;
    }

    /// <summary>A plain optional minus and 1–18 digits (the grammar was checked); anything else is left to the exact path.</summary>
    private static bool TryInteger(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        bool negative = text[0] == (byte)'-';
        ReadOnlySpan<byte> digits = negative ? text[1..] : text;
        if (digits.Length > MaxTimestampDigits)
        {
            return false;
        }
        long result = 0;
        foreach (byte b in digits)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false; // a fraction or an exponent
            }
            result = (result * 10) + digit;
        }
        value = negative ? -result : result;
        return true;
    }

    /// <summary>Reads one value at <paramref name="i"/> (whitespace already skipped); containers are validated and skipped whole.</summary>
    private static Token Next(ReadOnlySpan<byte> utf8, ref int i, int depth, out int start, out int length)
    {
        start = i;
        length = 0;
        if (i >= utf8.Length)
        {
            return Token.Unsupported;
        }
        switch (utf8[i])
        {
            case (byte)'"':
                return TryString(utf8, ref i, out start, out length) ? Token.String : Token.Unsupported;
            case (byte)'t':
                return Literal(utf8, ref i, "true"u8, Token.True);
            case (byte)'f':
                return Literal(utf8, ref i, "false"u8, Token.False);
            case (byte)'n':
                return Literal(utf8, ref i, "null"u8, Token.Null);
            case (byte)'{':
            case (byte)'[':
                return depth <= MaxNesting && TrySkipContainer(utf8, ref i, depth) ? Token.Container : Token.Unsupported;
            default:
                while (i < utf8.Length && IsNumberByte(utf8[i]))
                {
                    i++;
                }
                length = i - start;
                return length > 0 && JsonNumberText.IsValid(utf8.Slice(start, length)) ? Token.Number : Token.Unsupported;
        }
    }

    // A literal must be followed by a delimiter: the caller checks the next byte (",", "}", "]" or whitespace).
    private static Token Literal(ReadOnlySpan<byte> utf8, ref int i, ReadOnlySpan<byte> literal, Token token)
    {
        if (!utf8[i..].StartsWith(literal))
        {
            return Token.Unsupported;
        }
        i += literal.Length;
        return token;
    }

    /// <summary>A string without escapes or control characters at <paramref name="i"/> (its opening quote); moves past the closing quote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryString(ReadOnlySpan<byte> utf8, ref int i, out int start, out int length)
    {
        start = i + 1;
        length = 0;
        if (i >= utf8.Length || utf8[i] != (byte)'"')
        {
            return false;
        }
        int stop = utf8[start..].IndexOfAny(StringStops);
        if (stop < 0 || utf8[start + stop] != (byte)'"')
        {
            return false;
        }
        length = stop;
        i = start + stop + 1;
        return true;
    }

    private static bool TrySkipContainer(ReadOnlySpan<byte> utf8, ref int i, int depth)
    {
        bool isObject = utf8[i] == (byte)'{';
        byte close = isObject ? (byte)'}' : (byte)']';
        i = SkipWhitespace(utf8, i + 1);
        if (i < utf8.Length && utf8[i] == close)
        {
            i++;
            return true;
        }
        while (true)
        {
            if (isObject)
            {
                if (!TryString(utf8, ref i, out _, out _))
                {
                    return false;
                }
                i = SkipWhitespace(utf8, i);
                if (i >= utf8.Length || utf8[i] != (byte)':')
                {
                    return false;
                }
                i = SkipWhitespace(utf8, i + 1);
            }
            if (Next(utf8, ref i, depth + 1, out _, out _) == Token.Unsupported)
            {
                return false;
            }
            i = SkipWhitespace(utf8, i);
            if (i >= utf8.Length)
            {
                return false;
            }
            if (utf8[i] == close)
            {
                i++;
                return true;
            }
            if (utf8[i] != (byte)',')
            {
                return false;
            }
            i = SkipWhitespace(utf8, i + 1);
        }
    }

    private static bool IsNumberByte(byte b) => (uint)(b - '0') <= 9 || b is (byte)'-' or (byte)'+' or (byte)'.' or (byte)'e' or (byte)'E';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> utf8, int i)
    {
        while (i < utf8.Length && utf8[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
        {
            i++;
        }
        return i;
    }
}
