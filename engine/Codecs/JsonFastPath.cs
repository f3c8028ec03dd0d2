using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
            int nameEnd = StringEnd(utf8, i);
            if (nameEnd < 0)
            {
                return false;
            }
            RecordField field = WireNames.Lookup(utf8[(i + 1)..(nameEnd - 1)]);
            i = SkipWhitespace(utf8, nameEnd);
            if (i >= utf8.Length || utf8[i] != (byte)':')
            {
                return false;
            }
            i = SkipWhitespace(utf8, i + 1);
            int valueEnd = ValueEnd(utf8, i, depth: 2, out Token token);
            if (valueEnd < 0)
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
                    // A string's text lies inside its quotes; other values are their own text.
                    ReadOnlySpan<byte> text = token == Token.String ? utf8[(i + 1)..(valueEnd - 1)] : utf8[i..valueEnd];
                    FieldState state = Store(field, token, text, ref record, ref fields);
                    if (state == 0)
                    {
                        return false;
                    }
                    fields.Set(field, state);
                }
            }
            i = SkipWhitespace(utf8, valueEnd);
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

    /// <summary>
    /// The end of the value at <paramref name="i"/> (whitespace already skipped), or -1 outside the subset; containers are
    /// validated and skipped whole. Positions are passed by value so the scan's index stays in a register.
    /// </summary>
    private static int ValueEnd(ReadOnlySpan<byte> utf8, int i, int depth, out Token token)
    {
        token = Token.Unsupported;
        if (i >= utf8.Length)
        {
            return -1;
        }
        int end;
        switch (utf8[i])
        {
            case (byte)'"':
                end = StringEnd(utf8, i);
                token = Token.String;
                break;
            case (byte)'t':
                end = utf8[i..].StartsWith("true"u8) ? i + 4 : -1;
                token = Token.True;
                break;
            case (byte)'f':
                end = utf8[i..].StartsWith("false"u8) ? i + 5 : -1;
                token = Token.False;
                break;
            case (byte)'n':
                end = utf8[i..].StartsWith("null"u8) ? i + 4 : -1;
                token = Token.Null;
                break;
            case (byte)'{':
            case (byte)'[':
                end = depth <= MaxNesting ? ContainerEnd(utf8, i, depth) : -1;
                token = Token.Container;
                break;
            default:
                end = i;
                while (end < utf8.Length && IsNumberByte(utf8[end]))
                {
                    end++;
                }
                end = end > i && JsonNumberText.IsValid(utf8[i..end]) ? end : -1;
                token = Token.Number;
                break;
        }
        // A literal or number must be followed by a delimiter: the caller checks the next byte.
        return end;
    }

    /// <summary>The position after the string that opens at <paramref name="i"/>, or -1 unless it is a plain string (no escapes or control characters).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StringEnd(ReadOnlySpan<byte> utf8, int i)
    {
        if (i >= utf8.Length || utf8[i] != (byte)'"')
        {
            return -1;
        }
        int stop = IndexOfStringStop(utf8[(i + 1)..]);
        return stop >= 0 && utf8[i + 1 + stop] == (byte)'"' ? i + stop + 2 : -1;
    }

    /// <summary>
    /// Where a string's plain scan stops: its closing quote, an escape (left to the exact path) or a raw control
    /// character (invalid JSON, also left to the exact path so it reports it); -1 when none. Ids are a few dozen
    /// bytes, where three vector compares beat a general any-of search's set-up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfStringStop(ReadOnlySpan<byte> text)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref byte first = ref MemoryMarshal.GetReference(text);
            Vector128<byte> quote = Vector128.Create((byte)'"');
            Vector128<byte> backslash = Vector128.Create((byte)'\\');
            Vector128<byte> space = Vector128.Create((byte)0x20);
            for (; i + Vector128<byte>.Count <= text.Length; i += Vector128<byte>.Count)
            {
                Vector128<byte> block = Vector128.LoadUnsafe(ref first, (nuint)i);
                Vector128<byte> stops = Vector128.Equals(block, quote) | Vector128.Equals(block, backslash) | Vector128.LessThan(block, space);
                if (stops != Vector128<byte>.Zero)
                {
                    return i + BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits());
                }
            }
        }
        for (; i < text.Length; i++)
        {
            if (text[i] is (byte)'"' or (byte)'\\' or < 0x20)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The position after the object or array that opens at <paramref name="i"/>, or -1 outside the subset.</summary>
    private static int ContainerEnd(ReadOnlySpan<byte> utf8, int i, int depth)
    {
        bool isObject = utf8[i] == (byte)'{';
        byte close = isObject ? (byte)'}' : (byte)']';
        i = SkipWhitespace(utf8, i + 1);
        if (i < utf8.Length && utf8[i] == close)
        {
            return i + 1;
        }
        while (true)
        {
            if (isObject)
            {
                i = StringEnd(utf8, i);
                if (i < 0)
                {
                    return -1;
                }
                i = SkipWhitespace(utf8, i);
                if (i >= utf8.Length || utf8[i] != (byte)':')
                {
                    return -1;
                }
                i = SkipWhitespace(utf8, i + 1);
            }
            i = ValueEnd(utf8, i, depth + 1, out _);
            if (i < 0)
            {
                return -1;
            }
            i = SkipWhitespace(utf8, i);
            if (i >= utf8.Length)
            {
                return -1;
            }
            if (utf8[i] == close)
            {
                return i + 1;
            }
            if (utf8[i] != (byte)',')
            {
                return -1;
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
