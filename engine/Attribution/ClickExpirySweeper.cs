using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Selects click histories whose newest click is below its partition's click horizon. A history
/// with only some expired clicks stays: readers skip those clicks anyway, so deleting them would
/// only cost a write.
/// </summary>
internal readonly struct ClickExpirySweeper : IStateSweeper
{
    private readonly PartitionWatermarks _watermarks;
    private readonly long _horizonSpan;

    public ClickExpirySweeper(PartitionWatermarks watermarks, long horizonSpan)
    {
        _watermarks = watermarks;
        _horizonSpan = horizonSpan;
    }

    public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        long horizon = EventTime.Horizon(_watermarks.Get(StateKeys.Partition(key)), _horizonSpan);
        return ClickHistoryFormat.NewestTimestamp(value) < horizon;
    }
}
