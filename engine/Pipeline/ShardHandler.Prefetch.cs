using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;

namespace Attribution.Engine.Pipeline;

internal sealed partial class ShardHandler
{
    /// <inheritdoc/>
    /// <remarks>
    /// Loads the hash buckets of the keys an event of this shard will use: its (user, campaign) click history, and for a
    /// conversion its id. Keys are built as the core builds them; a record the core would refuse is skipped.
    /// </remarks>
    public void Prefetch(ref EngineSlot slot)
    {
        if (slot.Kind != SlotKind.Event || slot.Record.Partition % _shards != Index || _failure is not null)
        {
            return;
        }
        try
        {
            ref EventRecord record = ref slot.Record;
            ReadOnlySpan<byte> user = record.Get(record.UserId);
            ReadOnlySpan<byte> campaign = record.Get(record.CampaignId);
            if (user.IsEmpty || user.Length > EventRecord.MaxIdBytes || campaign.IsEmpty || campaign.Length > EventRecord.MaxIdBytes)
            {
                return;
            }
            Span<byte> key = _prefetchKey;
            Core.Clicks.Prefetch(key[..StateKeys.Write(key, record.Partition, user, campaign)]);
            if (record.Kind == EventKind.Conversion)
            {
                ReadOnlySpan<byte> id = record.Get(record.EventId);
                if (!id.IsEmpty && id.Length <= EventRecord.MaxIdBytes)
                {
                    Core.Conversions.Prefetch(key[..StateKeys.Write(key, record.Partition, user, id)]);
                }
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            // A hint must never fail an event: the processor would count the exception against the event being applied.
            // (Fields out of the record's buffer are the core's to refuse, when the event's turn comes.)
        }
    }

    private readonly byte[] _prefetchKey = new byte[StateKeys.HeaderBytes + 2 * EventRecord.MaxIdBytes];
}
