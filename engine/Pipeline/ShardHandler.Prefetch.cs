using Attribution.Engine.Attribution;

namespace Attribution.Engine.Pipeline;

internal sealed partial class ShardHandler
{
    /// <inheritdoc/>
    /// <remarks>
    /// An event of this shard's partitions: the core asks its tables to load what the event will look up
    /// (<see cref="AttributionCore{TTable}.Prefetch"/>). Other events, commands and a failed shard: nothing.
    /// </remarks>
    public void Prefetch(ref EngineSlot slot)
    {
        if (slot.Kind != SlotKind.Event || slot.Record.Partition % _shards != Index || _failure is not null)
        {
            return;
        }
        try
        {
            Core.Prefetch(ref slot.Record);
        }
        catch (ArgumentOutOfRangeException)
        {
            // A hint must never fail an event: the processor would count the exception against the event being applied.
            // (Fields out of the record's buffer are the core's to refuse, when the event's turn comes.)
        }
    }
}
