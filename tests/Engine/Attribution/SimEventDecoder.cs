using System.Text;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// Turns a stream item into the record the core processes, or says why it is rejected. Pluggable
/// so the same streams can go through the JSON codec (write the item as a JSON line, decode it).
/// </summary>
public delegate RejectReason SimEventDecoder(SimEvent item, ref EventRecord record);

/// <summary>Decoders for <see cref="SimEventDecoder"/>.</summary>
public static class SimEventDecoders
{
    /// <summary>Builds the record field by field with <see cref="EventRecord.TrySet"/> (no codec).</summary>
    public static RejectReason Direct(SimEvent item, ref EventRecord record)
    {
        if (item.Kind == SimKind.Malformed)
        {
            return item.ExpectedReject; // no codec here: trust the stream's declared reason
        }
        record.Reset();
        record.Kind = item.Kind == SimKind.Click ? EventKind.Click : EventKind.Conversion;
        record.Timestamp = item.Timestamp;
        record.Partition = item.Partition;
        bool ok = Set(ref record, ref record.EventId, item.EventId, EventRecord.MaxIdBytes)
            && Set(ref record, ref record.UserId, item.UserId, EventRecord.MaxIdBytes)
            && Set(ref record, ref record.CampaignId, item.CampaignId, EventRecord.MaxIdBytes)
            && Set(ref record, ref record.AdId, item.AdId, EventRecord.MaxIdBytes)
            && Set(ref record, ref record.Source, item.Source, EventRecord.MaxLabelBytes)
            && Set(ref record, ref record.ConversionType, item.ConversionType, EventRecord.MaxLabelBytes)
            && Set(ref record, ref record.Value, item.Value, EventRecord.MaxValueBytes);
        return ok ? RejectReason.None : RejectReason.FieldTooLong;
    }

    private static bool Set(ref EventRecord record, ref Utf8Field field, string? value, int maxBytes)
        => value is null || record.TrySet(ref field, Encoding.UTF8.GetBytes(value), maxBytes);
}
