using Attribution.Engine.Attribution;

namespace Attribution.Engine.Pipeline;

public sealed partial class AttributionEngine
{
    /// <summary>
    /// The event-time watermark of <paramref name="partition"/> (the largest event time its shard applied, epoch ms),
    /// or <see cref="long.MinValue"/> when it has seen no event. Read without a lock from any thread while the shard
    /// writes it (64-bit reads are atomic): a figure for monitoring, at most one event behind.
    /// </summary>
    public long Watermark(int partition)
    {
        if (partition < 0)
        {
            return PartitionWatermarks.None;
        }
        return _shards[partition % _shards.Length].Core.Watermarks.Get(partition);
    }

    /// <summary>
    /// Live entries and bytes of state over every shard: the click histories and the remembered conversion ids,
    /// entries and the bytes their FASTER logs span (live records plus garbage not yet compacted). Read without a
    /// lock while the shards write: a figure for monitoring.
    /// </summary>
    public StateSize StateSize()
    {
        long clicks = 0, conversions = 0, clickBytes = 0, conversionBytes = 0, clickDisk = 0, conversionDisk = 0;
        foreach (var s in _shards)
        {
            clicks += s.Core.Clicks.Count;
            conversions += s.Core.Conversions.Count;
            clickBytes += s.Core.Clicks.StoredBytes;
            conversionBytes += s.Core.Conversions.StoredBytes;
            clickDisk += s.Core.Clicks.OnDiskBytes;
            conversionDisk += s.Core.Conversions.OnDiskBytes;
        }
        return new StateSize(clicks, conversions, clickBytes, conversionBytes, clickDisk, conversionDisk);
    }
}
