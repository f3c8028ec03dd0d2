using System.Buffers;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;

namespace Attribution.Testing.Codecs;

/// <summary>
/// Writes input events back as upstream JSON (docs/SEMANTICS.md, wire formats), for generators, tests and benchmarks.
/// Clicks: event_type, event_id, user_id, campaign_id, ad_id, source, timestamp. Conversions: event_type, event_id,
/// user_id, campaign_id, then type, value, source when present, then timestamp. Zero allocation, stateless, thread-safe.
/// </summary>
public sealed class EventJsonWriter : IEventWriter
{
    private const int FixedBytes = 128;
    private const int NumberBytes = 20;

    /// <summary>Largest number of bytes <paramref name="record"/> can take (strings fully escaped).</summary>
    public static int MaxBytes(in EventRecord record)
        => FixedBytes + NumberBytes + record.Value.Length
           + JsonSpanWriter.MaxStringBytes(record.EventId.Length) + JsonSpanWriter.MaxStringBytes(record.UserId.Length)
           + JsonSpanWriter.MaxStringBytes(record.CampaignId.Length) + JsonSpanWriter.MaxStringBytes(record.AdId.Length)
           + JsonSpanWriter.MaxStringBytes(record.Source.Length) + JsonSpanWriter.MaxStringBytes(record.ConversionType.Length);

    /// <inheritdoc />
    public void Write(IBufferWriter<byte> output, in EventRecord record)
    {
        int written = Write(output.GetSpan(), record);
        if (written < 0)
        {
            written = Write(output.GetSpan(MaxBytes(record)), record);
            if (written < 0)
            {
                CodecThrow.BufferWriterTooSmall();
            }
        }
        output.Advance(written);
    }

    /// <summary>Writes <paramref name="record"/> into <paramref name="destination"/>; returns the bytes written, or -1 when it is too small.</summary>
    /// <exception cref="ArgumentException"><paramref name="record"/> is not a decoded click or conversion.</exception>
    public int Write(Span<byte> destination, in EventRecord record)
    {
        var json = new JsonSpanWriter(destination);
        switch (record.Kind)
        {
            case EventKind.Click:
                json.WriteRaw("{\"event_type\":\"click\",\"event_id\":"u8);
                WriteIds(ref json, record);
                json.WriteRaw(",\"ad_id\":"u8);
                json.WriteString(RecordFields.Get(record, record.AdId));
                json.WriteRaw(",\"source\":"u8);
                json.WriteString(RecordFields.Get(record, record.Source));
                break;
            case EventKind.Conversion:
                json.WriteRaw("{\"event_type\":\"conversion\",\"event_id\":"u8);
                WriteIds(ref json, record);
                if (record.ConversionType.IsPresent)
                {
                    json.WriteRaw(",\"type\":"u8);
                    json.WriteString(RecordFields.Get(record, record.ConversionType));
                }
                if (record.Value.IsPresent)
                {
                    ReadOnlySpan<byte> value = RecordFields.Get(record, record.Value);
                    if (!JsonNumberText.IsValid(value))
                    {
                        CodecThrow.InvalidValueText(nameof(record));
                    }
                    json.WriteRaw(",\"value\":"u8);
                    json.WriteRaw(value);
                }
                if (record.Source.IsPresent)
                {
                    json.WriteRaw(",\"source\":"u8);
                    json.WriteString(RecordFields.Get(record, record.Source));
                }
                break;
            default:
                CodecThrow.NotAnEvent(nameof(record));
                break;
        }
        json.WriteRaw(",\"timestamp\":"u8);
        json.WriteInt64(record.Timestamp);
        json.WriteByte((byte)'}');
        return json.Result;
    }

    private static void WriteIds(ref JsonSpanWriter json, in EventRecord record)
    {
        json.WriteString(RecordFields.Get(record, record.EventId));
        json.WriteRaw(",\"user_id\":"u8);
        json.WriteString(RecordFields.Get(record, record.UserId));
        json.WriteRaw(",\"campaign_id\":"u8);
        json.WriteString(RecordFields.Get(record, record.CampaignId));
    }
}
