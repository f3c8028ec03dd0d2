using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Attribution.Engine.Events;

/// <summary>Inline storage for an event's string fields, so a record is a plain struct that lives in a ring slot.</summary>
[InlineArray(EventRecord.BufferSize)]
public struct EventBytes
{
    private byte _first;
}

/// <summary>
/// One decoded input event: a blittable struct with every string field copied (unescaped UTF-8)
/// into an inline buffer. Decoders fill it in place (ring slots are preallocated), so decoding
/// allocates nothing. Always pass it by <c>ref</c>/<c>in</c>: it is about 800 bytes.
/// </summary>
public struct EventRecord
{
    /// <summary>Size of the inline field buffer.</summary>
    public const int BufferSize = 768;
    /// <summary>Maximum bytes of <c>event_id</c>, <c>user_id</c>, <c>campaign_id</c>, <c>ad_id</c>.</summary>
    public const int MaxIdBytes = 128;
    /// <summary>Maximum bytes of <c>source</c> and conversion <c>type</c>.</summary>
    public const int MaxLabelBytes = 64;
    /// <summary>Maximum characters of the <c>value</c> number text.</summary>
    public const int MaxValueBytes = 64;

    /// <summary>Click or conversion.</summary>
    public EventKind Kind;
    /// <summary>After a rejection by a decoder: the field it is about (<see cref="RecordField.None"/> for the whole record).</summary>
    public RecordField RejectedField;
    /// <summary>Event time, epoch milliseconds.</summary>
    public long Timestamp;
    /// <summary>The state partition this event belongs to (Kafka partition, or stable hash of user_id mod P).</summary>
    public int Partition;
    /// <summary>Position in its source (Kafka offset, line number); recorded in snapshots and dead letters.</summary>
    public long Position;
    /// <summary>Ingest time (Stopwatch ticks, taken once the record is decoded) for latency measurement; set for conversions only (they alone make outputs), else 0.</summary>
    public long IngestTicks;
    /// <summary>
    /// Set by the event-time guard (the engine's Submit): the event is judged against <see cref="GuardedWatermark"/>
    /// instead of its partition's watermark raised to <see cref="Timestamp"/>. False: the plain rule (W = max event time).
    /// </summary>
    public bool Guarded;
    /// <summary>With <see cref="Guarded"/>: the partition's event time is not stored (the guard is still bootstrapping the partition).</summary>
    public bool HoldsWatermark;
    /// <summary>With <see cref="Guarded"/>: the watermark this event is judged against (and, unless held, raises its partition's to).</summary>
    public long GuardedWatermark;

    public Utf8Field EventId;
    public Utf8Field UserId;
    public Utf8Field CampaignId;
    /// <summary>Clicks only (required).</summary>
    public Utf8Field AdId;
    /// <summary>Required for clicks, optional for conversions.</summary>
    public Utf8Field Source;
    /// <summary>Conversion <c>type</c> (optional).</summary>
    public Utf8Field ConversionType;
    /// <summary>Conversion <c>value</c>: the exact JSON number text, never parsed to a double.</summary>
    public Utf8Field Value;

    /// <summary>Bytes written into <see cref="Bytes"/> so far.</summary>
    public int Used;
    /// <summary>Field storage.</summary>
    public EventBytes Bytes;

    /// <summary>Clears the record for reuse (does not zero the buffer).</summary>
    public void Reset()
    {
        Kind = EventKind.None;
        RejectedField = RecordField.None;
        Timestamp = 0;
        Partition = 0;
        Position = 0;
        IngestTicks = 0;
        Guarded = false;
        HoldsWatermark = false;
        GuardedWatermark = 0;
        EventId = Utf8Field.Absent;
        UserId = Utf8Field.Absent;
        CampaignId = Utf8Field.Absent;
        AdId = Utf8Field.Absent;
        Source = Utf8Field.Absent;
        ConversionType = Utf8Field.Absent;
        Value = Utf8Field.Absent;
        Used = 0;
    }

    /// <summary>The bytes of a field (empty when absent).</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Get(Utf8Field field)
        => field.Length <= 0 ? ReadOnlySpan<byte>.Empty : ((ReadOnlySpan<byte>)Bytes).Slice(field.Offset, field.Length);

    /// <summary>Copies <paramref name="value"/> into the buffer and points <paramref name="field"/> at it.
    /// Returns false when it does not fit <paramref name="maxBytes"/> or the buffer.</summary>
    public bool TrySet(ref Utf8Field field, ReadOnlySpan<byte> value, int maxBytes)
    {
        if (value.Length > maxBytes || Used + value.Length > BufferSize)
        {
            return false;
        }
        value.CopyTo(((Span<byte>)Bytes).Slice(Used));
        field.Offset = (ushort)Used;
        field.Length = (short)value.Length;
        Used += value.Length;
        return true;
    }

    /// <summary>Reserves <paramref name="length"/> bytes for a field and returns the span to write them into
    /// (used by decoders that unescape in place). Returns an empty span when it does not fit.</summary>
    [UnscopedRef]
    public Span<byte> Reserve(ref Utf8Field field, int length, int maxBytes)
    {
        if (length > maxBytes || Used + length > BufferSize)
        {
            return Span<byte>.Empty;
        }
        field.Offset = (ushort)Used;
        field.Length = (short)length;
        Span<byte> span = ((Span<byte>)Bytes).Slice(Used, length);
        Used += length;
        return span;
    }

    /// <summary>Shrinks the last reserved field to <paramref name="actualLength"/> (after unescaping).</summary>
    public void Trim(ref Utf8Field field, int actualLength)
    {
        Used -= field.Length - actualLength;
        field.Length = (short)actualLength;
    }
}
