using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>Decodes one upstream JSON event (docs/SEMANTICS.md, wire formats) from UTF-8 bytes into an <see cref="EventRecord"/> without allocating.</summary>
/// <remarks>
/// Checks, first failing one wins: size (<see cref="RejectReason.Oversized"/>), UTF-8 (<see cref="RejectReason.InvalidUtf8"/>),
/// JSON syntax including trailing data, depth beyond <see cref="MaxDepth"/> and raw control characters in strings
/// (<see cref="RejectReason.InvalidJson"/>), top-level object (<see cref="RejectReason.NotAnObject"/>), then the field
/// rules (duplicate field, event_type, required and optional fields; see <see cref="EventFieldTracker.Resolve"/>).
/// Field order is free; unknown fields (e.g. <c>metadata</c>) are skipped whatever their value. Clicks ignore
/// <c>type</c>/<c>value</c> and conversions ignore <c>ad_id</c>, as they do unknown fields.
/// Records in the plain form producers emit take <see cref="JsonFastPath"/>; every other record is read by
/// <c>Utf8JsonReader</c>, and both give the same result for every input (a differential test holds them to it).
/// </remarks>
public static class JsonEventReader
{
    /// <summary>Deepest nesting accepted (the top-level object is depth 1); deeper input is <see cref="RejectReason.InvalidJson"/>.</summary>
    public const int MaxDepth = 64;

    // JSON escapes shrink text at most 6:1 ("\u001f" -> one byte), so an escaped string longer than
    // 6 x its limit cannot fit, and one that could fit unescapes into this many bytes.
    private const int ScratchBytes = 6 * EventRecord.MaxIdBytes;

    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = MaxDepth,
    };

    /// <summary>
    /// Decodes <paramref name="utf8"/> into <paramref name="record"/> (which is reset first, keeping its
    /// <see cref="EventRecord.Partition"/>, <see cref="EventRecord.Position"/> and <see cref="EventRecord.IngestTicks"/>).
    /// Returns <see cref="RejectReason.None"/> on success, else the reason the record is rejected (then
    /// <see cref="EventRecord.Kind"/> is <see cref="EventKind.None"/>). Never throws on any input.
    /// </summary>
    public static RejectReason Read(ReadOnlySpan<byte> utf8, ref EventRecord record, int maxRecordBytes)
    {
        ResetKeepingSource(ref record);
        if (utf8.Length > maxRecordBytes)
        {
            return RejectReason.Oversized;
        }
        if (!Utf8.IsValid(utf8))
        {
            return RejectReason.InvalidUtf8;
        }

        var fields = default(EventFieldTracker);
        if (JsonFastPath.TryScan(utf8, ref record, ref fields))
        {
            return fields.Finish(RejectReason.None, ref record);
        }
        // Outside the fast path's subset: start over with the exact reader.
        ResetKeepingSource(ref record);
        fields = default;
        return ReadExactly(utf8, ref record, ref fields);
    }

    /// <summary>
    /// <see cref="Read"/> through <c>Utf8JsonReader</c> only, never the fast path: the reference the fast path is held to.
    /// </summary>
    internal static RejectReason ReadExact(ReadOnlySpan<byte> utf8, ref EventRecord record, int maxRecordBytes)
    {
        ResetKeepingSource(ref record);
        if (utf8.Length > maxRecordBytes)
        {
            return RejectReason.Oversized;
        }
        if (!Utf8.IsValid(utf8))
        {
            return RejectReason.InvalidUtf8;
        }
        var fields = default(EventFieldTracker);
        return ReadExactly(utf8, ref record, ref fields);
    }

    private static RejectReason ReadExactly(ReadOnlySpan<byte> utf8, ref EventRecord record, ref EventFieldTracker fields)
    {
        RejectReason reason;
        try
        {
            reason = Scan(utf8, ref record, ref fields);
        }
        catch (JsonException)
        {
            // Utf8JsonReader reports every syntax error (and depth overflow) this way; only bad input gets here.
            reason = RejectReason.InvalidJson;
        }
        catch (InvalidOperationException)
        {
            // Unescaping a known string field with an invalid \u surrogate sequence: not representable as UTF-8.
            reason = RejectReason.InvalidJson;
        }
        return fields.Finish(reason, ref record);
    }

    /// <summary>Resets a record for decoding but keeps what the caller set about its source.</summary>
    internal static void ResetKeepingSource(ref EventRecord record)
    {
        int partition = record.Partition;
        long position = record.Position;
        long ingestTicks = record.IngestTicks;
        record.Reset();
        record.Partition = partition;
        record.Position = position;
        record.IngestTicks = ingestTicks;
    }

    private static RejectReason Scan(ReadOnlySpan<byte> utf8, ref EventRecord record, ref EventFieldTracker fields)
    {
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, state: new JsonReaderState(Options));
        if (!reader.Read())
        {
            return RejectReason.InvalidJson;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // Syntax errors outrank "not an object": validate the rest of the value and what follows it.
            reader.Skip();
            return reader.Read() ? RejectReason.InvalidJson : RejectReason.NotAnObject;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            RecordField field = LookupName(ref reader);
            if (!reader.Read())
            {
                return RejectReason.InvalidJson;
            }
            if (field == RecordField.None)
            {
                reader.Skip();
                continue;
            }
            if (fields.IsSeen(field))
            {
                fields.SetDuplicate(field);
                reader.Skip();
                continue;
            }
            FieldState state = field switch
            {
                RecordField.EventType => ReadEventType(ref reader, ref fields),
                RecordField.EventId => ReadString(ref reader, ref record, ref record.EventId, EventRecord.MaxIdBytes),
                RecordField.UserId => ReadString(ref reader, ref record, ref record.UserId, EventRecord.MaxIdBytes),
                RecordField.CampaignId => ReadString(ref reader, ref record, ref record.CampaignId, EventRecord.MaxIdBytes),
                RecordField.AdId => ReadString(ref reader, ref record, ref record.AdId, EventRecord.MaxIdBytes),
                RecordField.Source => ReadString(ref reader, ref record, ref record.Source, EventRecord.MaxLabelBytes),
                RecordField.Type => ReadString(ref reader, ref record, ref record.ConversionType, EventRecord.MaxLabelBytes),
                RecordField.Value => ReadValue(ref reader, ref record),
                _ => ReadTimestamp(ref reader, ref record),
            };
            fields.Set(field, state);
        }
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return RejectReason.InvalidJson;
        }
        // Anything but whitespace after the object makes Read throw (or, defensively, return true).
        return reader.Read() ? RejectReason.InvalidJson : RejectReason.None;
    }

    private static RecordField LookupName(ref Utf8JsonReader reader)
        => reader.ValueIsEscaped ? LookupEscapedName(ref reader) : WireNames.Lookup(reader.ValueSpan);

    [SkipLocalsInit]
    private static RecordField LookupEscapedName(ref Utf8JsonReader reader)
    {
        if (reader.ValueSpan.Length > 6 * WireNames.LongestFieldName)
        {
            return RecordField.None;
        }
        Span<byte> name = stackalloc byte[6 * WireNames.LongestFieldName];
        int length = reader.CopyString(name);
        return WireNames.Lookup(name[..length]);
    }

    private static FieldState ReadEventType(ref Utf8JsonReader reader, ref EventFieldTracker fields)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return FieldState.Null;
            case JsonTokenType.String:
                // ValueTextEquals unescapes as it compares, so "cl\u0069ck" is a click.
                fields.DeclaredKind = reader.ValueTextEquals(WireNames.Click) ? EventKind.Click
                    : reader.ValueTextEquals(WireNames.Conversion) ? EventKind.Conversion
                    : EventKind.None;
                return FieldState.Present;
            default:
                reader.Skip();
                return FieldState.WrongType;
        }
    }

    private static FieldState ReadString(ref Utf8JsonReader reader, ref EventRecord record, ref Utf8Field field, int maxBytes)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return FieldState.Null;
        }
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return FieldState.WrongType;
        }
        ReadOnlySpan<byte> raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            return record.TrySet(ref field, raw, maxBytes) ? FieldState.Present : FieldState.TooLong;
        }
        if (raw.Length <= maxBytes)
        {
            // Unescaping only shrinks: unescape straight into the record, then give back the difference.
            Span<byte> target = record.Reserve(ref field, raw.Length, maxBytes);
            record.Trim(ref field, reader.CopyString(target));
            return FieldState.Present;
        }
        return raw.Length > 6 * maxBytes ? FieldState.TooLong : ReadLongEscapedString(ref reader, ref record, ref field, maxBytes);
    }

    /// <summary>An escaped string whose escaped text exceeds the limit but whose unescaped bytes might not: unescape, then check.</summary>
    [SkipLocalsInit]
    private static FieldState ReadLongEscapedString(ref Utf8JsonReader reader, ref EventRecord record, ref Utf8Field field, int maxBytes)
    {
        Span<byte> scratch = stackalloc byte[ScratchBytes];
        int length = reader.CopyString(scratch);
        return record.TrySet(ref field, scratch[..length], maxBytes) ? FieldState.Present : FieldState.TooLong;
    }

    private static FieldState ReadValue(ref Utf8JsonReader reader, ref EventRecord record)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return FieldState.Null;
            case JsonTokenType.Number:
                // The exact token text is kept (19.99 stays 19.99); numbers never contain escapes.
                return record.TrySet(ref record.Value, reader.ValueSpan, EventRecord.MaxValueBytes)
                    ? FieldState.Present : FieldState.TooLong;
            default:
                reader.Skip();
                return FieldState.WrongType;
        }
    }

    private static FieldState ReadTimestamp(ref Utf8JsonReader reader, ref EventRecord record)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return FieldState.Null;
            case JsonTokenType.Number:
                // TryGetInt64 fails for fractions, exponents and values beyond int64: all the wrong type for epoch ms.
                if (reader.TryGetInt64(out long timestamp))
                {
                    record.Timestamp = timestamp;
                    return FieldState.Present;
                }
                return FieldState.WrongType;
            default:
                reader.Skip();
                return FieldState.WrongType;
        }
    }
}
