using Attribution.Engine.Pipeline;
using Attribution.Host.Run;

namespace Attribution.Host.Observability;

/// <summary>One owned partition as the status page and the metrics see it, read off the hot path.</summary>
/// <param name="Partition">The state partition (the input partition, or the repartition topic's when re-keying).</param>
/// <param name="Lag">Records behind the high watermark (-1 until the source first read the watermarks).</param>
/// <param name="ConsumedNext">Offset after the last record handed to the engine.</param>
/// <param name="Committed">The offset committed last (the next to read after a restart).</param>
/// <param name="Rebuilding">Whether its state is still being rebuilt from input (its move is not complete).</param>
/// <param name="RebuildStart">First offset of the rebuild range.</param>
/// <param name="RebuildEnd">End (exclusive) of the rebuild range: the committed offset at assignment.</param>
/// <param name="WatermarkMs">The largest event time applied (epoch ms), or null before any event.</param>
public readonly record struct PartitionFigures(
    int Partition, long Lag, long ConsumedNext, long Committed, bool Rebuilding, long RebuildStart, long RebuildEnd, long? WatermarkMs)
{
    /// <summary>Seconds from the watermark to <paramref name="nowMs"/> (how far event time trails the clock), or null before any event.</summary>
    public double? EventTimeLagSeconds(long nowMs) => WatermarkMs is { } w ? Math.Max(0, nowMs - w) / 1000.0 : null;

    /// <summary>The owned partitions of <paramref name="table"/>, by partition.</summary>
    internal static IReadOnlyList<PartitionFigures> Read(PartitionTable table, PipelineStats stats, AttributionEngine? engine)
    {
        var lag = stats.LagByPartition;
        var list = new List<PartitionFigures>();
        foreach (var slot in table.Owned())
        {
            if (!slot.Owned)
            {
                continue;
            }
            long w = engine?.Watermark(slot.Partition) ?? long.MinValue;
            list.Add(new PartitionFigures(slot.Partition, lag.TryGetValue(slot.Partition, out long l) ? l : -1, slot.ConsumedNext, slot.Committed,
                !slot.Rebuilt, slot.Point.Start, slot.Point.Committed, w == long.MinValue ? null : w));
        }
        list.Sort((a, b) => a.Partition.CompareTo(b.Partition));
        return list;
    }
}
