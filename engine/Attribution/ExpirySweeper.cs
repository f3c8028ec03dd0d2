using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Selects entries whose stored timestamp is below their partition's horizon (W[p] − span).
/// <typeparamref name="TTimestamp"/> is a struct, so the JIT specialises the read: no virtual call per entry.
/// </summary>
internal readonly struct ExpirySweeper<TTimestamp> : IStateSweeper
    where TTimestamp : struct, IStoredTimestamp
{
    private readonly PartitionWatermarks _watermarks;
    private readonly long _span;

    public ExpirySweeper(PartitionWatermarks watermarks, long span)
    {
        _watermarks = watermarks;
        _span = span;
    }

    public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        long horizon = EventTime.Horizon(_watermarks.Get(StateKeys.Partition(key)), _span);
        return TTimestamp.Read(value) < horizon;
    }
}
