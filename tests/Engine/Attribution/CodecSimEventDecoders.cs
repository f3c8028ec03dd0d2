using System.Buffers;
using System.Text;
using System.Text.Json;
using Attribution.Testing.Codecs;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// Decoders that send every stream item through the real wire codecs: the item is written as an
/// upstream JSON line (fields in a per-event shuffled order, with metadata and unknown fields mixed
/// in), bad lines are sent as they are, and the codec's decision is what the core sees.
/// </summary>
public static class CodecSimEventDecoders
{
    private const int MaxRecordBytes = 64 * 1024;

    /// <summary>Item → JSON line → <see cref="JsonEventReader"/>.</summary>
    public static RejectReason Json(SimEvent item, ref EventRecord record)
    {
        byte[] line = item.Kind == SimKind.Malformed ? Encoding.UTF8.GetBytes(item.RawLine!) : Render(item);
        RejectReason reason = JsonEventReader.Read(line, ref record, MaxRecordBytes);
        record.Partition = item.Partition;
        return reason;
    }

    /// <summary>Item → JSON → record → MessagePack → <see cref="MessagePackEventReader"/> (bad lines go through JSON).</summary>
    public static RejectReason MessagePack(SimEvent item, ref EventRecord record)
    {
        RejectReason reason = Json(item, ref record);
        if (reason != RejectReason.None)
        {
            return reason;
        }
        var buffer = new ArrayBufferWriter<byte>();
        new MessagePackEventWriter().Write(buffer, in record);
        reason = MessagePackEventReader.Read(buffer.WrittenSpan, ref record, MaxRecordBytes);
        record.Partition = item.Partition;
        return reason;
    }

    /// <summary>Writes the item as an upstream JSON object with a shuffled field order.</summary>
    public static byte[] Render(SimEvent item)
    {
        var fields = new List<Action<Utf8JsonWriter>>
        {
            w => w.WriteString("event_type", item.Kind == SimKind.Click ? "click" : "conversion"),
            w => w.WriteString("event_id", item.EventId),
            w => w.WriteString("user_id", item.UserId),
            w => w.WriteString("campaign_id", item.CampaignId),
            w => w.WriteNumber("timestamp", item.Timestamp),
        };
        if (item.AdId is not null) fields.Add(w => w.WriteString("ad_id", item.AdId));
        if (item.Source is not null) fields.Add(w => w.WriteString("source", item.Source));
        if (item.ConversionType is not null) fields.Add(w => w.WriteString("type", item.ConversionType));
        if (item.Value is not null) fields.Add(w => { w.WritePropertyName("value"); w.WriteRawValue(item.Value); });
        int h = StringComparer.Ordinal.GetHashCode(item.EventId) ^ (int)item.Timestamp;
        if ((h & 3) == 1) fields.Add(w => { w.WritePropertyName("metadata"); w.WriteRawValue("""{"geo":"US","tags":[1,{"a":null}]}"""); });
        if ((h & 3) == 2) fields.Add(w => w.WriteNull("metadata"));
        if ((h & 4) != 0) fields.Add(w => w.WriteString("unknown_field", "ignored"));
        var rnd = new Random(h);
        var order = fields.OrderBy(_ => rnd.Next()).ToList();
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var f in order)
            {
                f(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
