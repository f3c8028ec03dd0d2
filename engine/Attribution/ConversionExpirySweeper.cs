using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>Selects remembered conversion ids older than their retention (W[p] − retention).</summary>
internal readonly struct ConversionExpirySweeper : IStateSweeper
{
    private readonly PartitionWatermarks _watermarks;
    private readonly long _retention;

    public ConversionExpirySweeper(PartitionWatermarks watermarks, long retention)
    {
        _watermarks = watermarks;
        _retention = retention;
    }

    public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        long horizon = EventTime.Horizon(_watermarks.Get(StateKeys.Partition(key)), _retention);
        return RememberedConversionFormat.Read(value) < horizon;
    }
}
