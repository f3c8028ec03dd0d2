using System.Text.Unicode;
using Attribution.Engine.Events;
using MessagePack;

namespace Attribution.Engine.Codecs;

/// <summary>
/// Decodes one event in the MessagePack wire format into an <see cref="EventRecord"/> without allocating: a map with
/// the JSON field names as string keys, read with the low-level <see cref="MessagePackReader"/> (no serializer).
/// </summary>
/// <remarks>
/// Same rules and reasons as <see cref="JsonEventReader"/>, with these format differences:
/// <list type="bullet">
/// <item><see cref="RejectReason.InvalidJson"/> means "malformed MessagePack": an invalid or truncated code, trailing
/// bytes after the map, or nesting deeper than <see cref="MaxDepth"/>.</item>
/// <item><see cref="RejectReason.InvalidUtf8"/> is checked per string (keys and values, skipped ones too), after the
/// structure is known to be well formed.</item>
/// <item><c>value</c> is normally a string holding the exact decimal text (MessagePack has no decimal type, and a
/// float64 cannot hold 19.99 exactly); the text must be a JSON number, else <see cref="RejectReason.WrongType"/>.
/// An integer or float is also accepted and converted to its shortest round-trip text (NaN/infinity: wrong type).</item>
/// <item><c>timestamp</c> must be a MessagePack integer within int64; a float is the wrong type, as 1.5 is in JSON.</item>
/// <item>Keys that are not strings are skipped like unknown fields.</item>
/// </list>
/// </remarks>
public static class MessagePackEventReader
{
    /// <summary>Deepest nesting accepted (the top-level map is depth 1), as for JSON.</summary>
    public const int MaxDepth = JsonEventReader.MaxDepth;

    /// <summary>
    /// Decodes <paramref name="bytes"/> into <paramref name="record"/> (reset first, keeping Partition, Position and
    /// IngestTicks). Returns <see cref="RejectReason.None"/> or the reason the record is rejected. Never throws on any input.
    /// </summary>
    /// <remarks>
    /// MessagePackReader reads <see cref="ReadOnlyMemory{T}"/>, not spans. To stay allocation-free the span is pinned
    /// for the call and wrapped in a per-thread reusable memory manager; nothing of it is kept after the call.
    /// </remarks>
    public static unsafe RejectReason Read(ReadOnlySpan<byte> bytes, ref EventRecord record, int maxRecordBytes)
    {
        JsonEventReader.ResetKeepingSource(ref record);
        if (bytes.Length > maxRecordBytes)
        {
            return RejectReason.Oversized;
        }
        if (bytes.IsEmpty)
        {
            return RejectReason.InvalidJson;
        }
        fixed (byte* pointer = bytes)
        {
            PinnedSpanMemory memory = PinnedSpanMemory.Rent(pointer, bytes.Length);
            try
            {
                return Decode(memory.Memory, ref record);
            }
            finally
            {
                memory.Release();
            }
        }
    }

    /// <summary>
    /// Decodes <paramref name="bytes"/> (e.g. a slice of a reused byte[]: a ReadOnlySequence over array-backed memory
    /// does not allocate) into <paramref name="record"/>. Same contract as the span overload.
    /// </summary>
    public static RejectReason Read(ReadOnlyMemory<byte> bytes, ref EventRecord record, int maxRecordBytes)
    {
        JsonEventReader.ResetKeepingSource(ref record);
        if (bytes.Length > maxRecordBytes)
        {
            return RejectReason.Oversized;
        }
        if (bytes.IsEmpty)
        {
            return RejectReason.InvalidJson;
        }
        return Decode(bytes, ref record);
    }

    private static RejectReason Decode(ReadOnlyMemory<byte> bytes, ref EventRecord record)
    {
        var fields = default(EventFieldTracker);
        RejectReason reason;
        try
        {
            reason = Scan(bytes, ref record, ref fields);
        }
        // MessagePackReader reports bad codes, truncation and bad lengths with these; only malformed input gets here.
        catch (MessagePackSerializationException)
        {
            reason = RejectReason.InvalidJson;
        }
        catch (EndOfStreamException)
        {
            reason = RejectReason.InvalidJson;
        }
        catch (ArgumentOutOfRangeException)
        {
            // A str/bin 32 header whose length does not fit an int (read as negative).
            reason = RejectReason.InvalidJson;
        }
        catch (OverflowException)
        {
            reason = RejectReason.InvalidJson;
        }
        return fields.Finish(reason, ref record);
    }

    private static RejectReason Scan(ReadOnlyMemory<byte> bytes, ref EventRecord record, ref EventFieldTracker fields)
    {
        var reader = new MessagePackReader(bytes);
        if (reader.NextMessagePackType != MessagePackType.Map)
        {
            // Malformed input outranks "not an object": check the value and that nothing follows it.
            SkipValue(ref reader, 0, ref fields);
            return reader.End ? RejectReason.NotAnObject : RejectReason.InvalidJson;
        }
        int count = reader.ReadMapHeader();
        if (count < 0)
        {
            return RejectReason.InvalidJson;
        }
        for (int i = 0; i < count; i++)
        {
            RecordField field = RecordField.None;
            if (reader.NextMessagePackType == MessagePackType.String)
            {
                ReadOnlySpan<byte> key = ReadStringSpan(ref reader);
                field = WireNames.Lookup(key);
                if (field == RecordField.None && !Utf8.IsValid(key))
                {
                    fields.InvalidUtf8 = true;
                }
            }
            else
            {
                SkipValue(ref reader, 1, ref fields);
            }

            if (field == RecordField.None)
            {
                SkipValue(ref reader, 1, ref fields);
                continue;
            }
            if (fields.IsSeen(field))
            {
                fields.SetDuplicate(field);
                SkipValue(ref reader, 1, ref fields);
                continue;
            }
            FieldState state = field switch
            {
                RecordField.EventType => ReadEventType(ref reader, ref fields),
                RecordField.EventId => ReadString(ref reader, ref record, ref record.EventId, EventRecord.MaxIdBytes, ref fields),
                RecordField.UserId => ReadString(ref reader, ref record, ref record.UserId, EventRecord.MaxIdBytes, ref fields),
                RecordField.CampaignId => ReadString(ref reader, ref record, ref record.CampaignId, EventRecord.MaxIdBytes, ref fields),
                RecordField.AdId => ReadString(ref reader, ref record, ref record.AdId, EventRecord.MaxIdBytes, ref fields),
                RecordField.Source => ReadString(ref reader, ref record, ref record.Source, EventRecord.MaxLabelBytes, ref fields),
                RecordField.Type => ReadString(ref reader, ref record, ref record.ConversionType, EventRecord.MaxLabelBytes, ref fields),
                RecordField.Value => ReadValue(ref reader, ref record, ref fields),
                _ => ReadTimestamp(ref reader, ref record, ref fields),
            };
            fields.Set(field, state);
        }
        return reader.End ? RejectReason.None : RejectReason.InvalidJson;
    }

    private static ReadOnlySpan<byte> ReadStringSpan(ref MessagePackReader reader)
    {
        // The memory is one contiguous segment, so TryReadStringSpan only fails on nil, which callers rule out.
        if (!reader.TryReadStringSpan(out ReadOnlySpan<byte> span))
        {
            throw new MessagePackSerializationException("A string was expected.");
        }
        return span;
    }

    private static FieldState ReadEventType(ref MessagePackReader reader, ref EventFieldTracker fields)
    {
        if (reader.TryReadNil())
        {
            return FieldState.Null;
        }
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            SkipValue(ref reader, 1, ref fields);
            return FieldState.WrongType;
        }
        ReadOnlySpan<byte> text = ReadStringSpan(ref reader);
        fields.DeclaredKind = text.SequenceEqual(WireNames.Click) ? EventKind.Click
            : text.SequenceEqual(WireNames.Conversion) ? EventKind.Conversion
            : EventKind.None;
        if (fields.DeclaredKind == EventKind.None && !Utf8.IsValid(text))
        {
            fields.InvalidUtf8 = true;
        }
        return FieldState.Present;
    }

    private static FieldState ReadString(ref MessagePackReader reader, ref EventRecord record, ref Utf8Field field, int maxBytes, ref EventFieldTracker fields)
    {
        if (reader.TryReadNil())
        {
            return FieldState.Null;
        }
        if (reader.NextMessagePackType != MessagePackType.String)
        {
            SkipValue(ref reader, 1, ref fields);
            return FieldState.WrongType;
        }
        ReadOnlySpan<byte> text = ReadStringSpan(ref reader);
        if (!Utf8.IsValid(text))
        {
            fields.InvalidUtf8 = true;
            return FieldState.WrongType;
        }
        return record.TrySet(ref field, text, maxBytes) ? FieldState.Present : FieldState.TooLong;
    }

    private static FieldState ReadTimestamp(ref MessagePackReader reader, ref EventRecord record, ref EventFieldTracker fields)
    {
        if (reader.TryReadNil())
        {
            return FieldState.Null;
        }
        if (reader.NextMessagePackType != MessagePackType.Integer)
        {
            SkipValue(ref reader, 1, ref fields);
            return FieldState.WrongType;
        }
        if (reader.NextCode == MessagePackCode.UInt64)
        {
            ulong unsigned = reader.ReadUInt64();
            if (unsigned > long.MaxValue)
            {
                return FieldState.WrongType;
            }
            record.Timestamp = (long)unsigned;
            return FieldState.Present;
        }
        record.Timestamp = reader.ReadInt64();
        return FieldState.Present;
    }

    private static FieldState ReadValue(ref MessagePackReader reader, ref EventRecord record, ref EventFieldTracker fields)
    {
        if (reader.TryReadNil())
        {
            return FieldState.Null;
        }
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.String:
                ReadOnlySpan<byte> text = ReadStringSpan(ref reader);
                if (!JsonNumberText.IsValid(text))
                {
                    // Also covers invalid UTF-8: a JSON number is ASCII.
                    return FieldState.WrongType;
                }
                return record.TrySet(ref record.Value, text, EventRecord.MaxValueBytes) ? FieldState.Present : FieldState.TooLong;
            case MessagePackType.Integer:
            case MessagePackType.Float:
                return ReadBinaryNumber(ref reader, ref record);
            default:
                SkipValue(ref reader, 1, ref fields);
                return FieldState.WrongType;
        }
    }

    private static FieldState ReadBinaryNumber(ref MessagePackReader reader, ref EventRecord record)
    {
        byte code = reader.NextCode;
        Span<byte> target = record.Reserve(ref record.Value, EventRecord.MaxValueBytes, EventRecord.MaxValueBytes);
        bool formatted;
        int written;
        if (code == MessagePackCode.Float32)
        {
            formatted = JsonNumberText.TryFormat(reader.ReadSingle(), target, out written);
        }
        else if (code == MessagePackCode.Float64)
        {
            formatted = JsonNumberText.TryFormat(reader.ReadDouble(), target, out written);
        }
        else if (code == MessagePackCode.UInt64)
        {
            formatted = reader.ReadUInt64().TryFormat(target, out written, default, System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            formatted = reader.ReadInt64().TryFormat(target, out written, default, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (!formatted)
        {
            // NaN or infinity: not a number a JSON consumer could read.
            record.Trim(ref record.Value, 0);
            record.Value = Utf8Field.Absent;
            return FieldState.WrongType;
        }
        record.Trim(ref record.Value, written);
        return FieldState.Present;
    }

    /// <summary>
    /// Skips one value of any shape without recursion (a deeply nested record must not exhaust the stack), checking
    /// strings are UTF-8 and nesting stays within <see cref="MaxDepth"/>. <paramref name="depth"/> is the number of
    /// containers around the value. Every step consumes at least one byte, so the loop is bounded by the input length.
    /// </summary>
    private static void SkipValue(ref MessagePackReader reader, int depth, ref EventFieldTracker fields)
    {
        Span<long> pending = stackalloc long[MaxDepth];
        int top = -1;
        do
        {
            if (top >= 0)
            {
                pending[top]--;
            }
            bool container = true;
            long children = 0;
            switch (reader.NextMessagePackType)
            {
                case MessagePackType.Map:
                    children = 2L * reader.ReadMapHeader();
                    break;
                case MessagePackType.Array:
                    children = reader.ReadArrayHeader();
                    break;
                case MessagePackType.String:
                    container = false;
                    if (!Utf8.IsValid(ReadStringSpan(ref reader)))
                    {
                        fields.InvalidUtf8 = true;
                    }
                    break;
                default:
                    container = false;
                    // Scalars, bin and ext: MessagePackReader skips these without recursing; unknown codes throw.
                    reader.Skip();
                    break;
            }
            if (container)
            {
                if (children < 0)
                {
                    throw new MessagePackSerializationException("A container length does not fit in an int.");
                }
                if (depth + top + 2 > MaxDepth)
                {
                    throw new MessagePackSerializationException("The record is nested too deeply.");
                }
                if (children > 0)
                {
                    pending[++top] = children;
                }
            }
            while (top >= 0 && pending[top] == 0)
            {
                top--;
            }
        }
        while (top >= 0);
    }
}
