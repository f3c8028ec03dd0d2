using System.Buffers.Binary;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Byte layout of a (partition, user, campaign) click history, the value of the click table:
/// <code>
/// [u8 count] then per click, oldest first, timestamps strictly increasing:
///   [i64 ts LE][u8 len][event_id][u8 len][ad_id][u8 len][source]
/// then zero bytes up to the value's length (slack, see <see cref="StoredLength"/>)
/// </code>
/// Four clicks of maximal ids (128 + 128 + 64 bytes) take 1 + 4 × 331 bytes, within
/// <see cref="State.IStateTable.MaxValueBytes"/>. An entry is addressed by its start and length in the value.
/// <para>
/// Why slack: a state table updates a value in place only when its size is unchanged. A history sized exactly
/// grows with each of its first clicks, and each growth appended a new record, so the click log held about four
/// times the live state and every expiry pass scanned all of it. A history of two or more clicks is therefore
/// stored at the size of a full one, and the clicks that follow are merged in place.
/// </para>
/// </summary>
internal static class ClickHistoryFormat
{
    /// <summary>Most clicks a history holds (the upper bound <see cref="AttributionConfig.Validate"/> allows).</summary>
    public const int MaxEntries = 4;

    /// <summary>
    /// Splits <paramref name="value"/> into entries: fills timestamps, starts and lengths (each at
    /// least <see cref="MaxEntries"/> long) and returns the count. Throws when the bytes are not a history.
    /// </summary>
    public static int Parse(ReadOnlySpan<byte> value, Span<long> timestamps, Span<int> starts, Span<int> lengths)
    {
        if (value.IsEmpty)
        {
            AttributionThrowHelper.ThrowCorruptState("a click history is empty");
        }
        int count = value[0];
        if (count > MaxEntries)
        {
            AttributionThrowHelper.ThrowCorruptState($"a click history claims {count} clicks, more than {MaxEntries}");
        }
        int pos = 1;
        for (int i = 0; i < count; i++)
        {
            int start = pos;
            long ts = ReadTimestamp(value, pos);
            pos += sizeof(long);
            pos = SkipField(value, pos);
            pos = SkipField(value, pos);
            pos = SkipField(value, pos);
            if (i > 0 && ts <= timestamps[i - 1])
            {
                AttributionThrowHelper.ThrowCorruptState("a click history is not in increasing time order");
            }
            timestamps[i] = ts;
            starts[i] = start;
            lengths[i] = pos - start;
        }
        if (value.Slice(pos).IndexOfAnyExcept((byte)0) >= 0)
        {
            AttributionThrowHelper.ThrowCorruptState("a click history has trailing bytes that are not padding");
        }
        return count;
    }

    /// <summary>Timestamp of the newest click, or <see cref="long.MinValue"/> for a history with no clicks.</summary>
    public static long NewestTimestamp(ReadOnlySpan<byte> value)
    {
        Span<long> ts = stackalloc long[MaxEntries];
        Span<int> starts = stackalloc int[MaxEntries];
        Span<int> lengths = stackalloc int[MaxEntries];
        int count = Parse(value, ts, starts, lengths);
        return count == 0 ? long.MinValue : ts[count - 1];
    }

    /// <summary>
    /// The length to store a history of <paramref name="count"/> clicks in, whose entries take
    /// <paramref name="contentLength"/> bytes with the count, the longest <paramref name="longestEntry"/>:
    /// exact for one click (most keys see one click, and a single-click history is replaced, not grown);
    /// for two or more, room for <paramref name="history"/> entries of the longest one rounded up to 8 bytes, so
    /// the next clicks of similar ids fit in place. Depends only on the history's content, so the stored bytes do
    /// not depend on where a table's records happened to be (in place or copied).
    /// </summary>
    public static int StoredLength(int contentLength, int count, int longestEntry, int history)
    {
        if (count < 2)
        {
            return contentLength;
        }
        int full = 1 + history * ((longestEntry + 7) & ~7);
        return Math.Max(contentLength, Math.Min(full, State.IStateTable.MaxValueBytes));
    }

    /// <summary>Writes one entry; returns its length. The caller guarantees each field ≤ 255 bytes and the room.</summary>
    public static int WriteEntry(Span<byte> destination, long timestamp, ReadOnlySpan<byte> eventId, ReadOnlySpan<byte> adId, ReadOnlySpan<byte> source)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, timestamp);
        int pos = sizeof(long);
        pos = WriteField(destination, pos, eventId);
        pos = WriteField(destination, pos, adId);
        return WriteField(destination, pos, source);
    }

    /// <summary>A view of one (already validated) entry.</summary>
    public static ClickView View(ReadOnlySpan<byte> entry)
    {
        long ts = BinaryPrimitives.ReadInt64LittleEndian(entry);
        int pos = sizeof(long);
        ReadOnlySpan<byte> eventId = entry.Slice(pos + 1, entry[pos]);
        pos += 1 + eventId.Length;
        ReadOnlySpan<byte> adId = entry.Slice(pos + 1, entry[pos]);
        pos += 1 + adId.Length;
        ReadOnlySpan<byte> source = entry.Slice(pos + 1, entry[pos]);
        return new ClickView(eventId, adId, source, ts);
    }

    private static long ReadTimestamp(ReadOnlySpan<byte> value, int pos)
    {
        if (value.Length - pos < sizeof(long))
        {
            AttributionThrowHelper.ThrowCorruptState("a click history is truncated");
        }
        return BinaryPrimitives.ReadInt64LittleEndian(value.Slice(pos));
    }

    private static int SkipField(ReadOnlySpan<byte> value, int pos)
    {
        if (pos >= value.Length || value.Length - pos - 1 < value[pos])
        {
            AttributionThrowHelper.ThrowCorruptState("a click history is truncated");
        }
        return pos + 1 + value[pos];
    }

    private static int WriteField(Span<byte> destination, int pos, ReadOnlySpan<byte> field)
    {
        destination[pos] = (byte)field.Length;
        field.CopyTo(destination.Slice(pos + 1));
        return pos + 1 + field.Length;
    }
}
