using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Selects entries whose stored timestamp is below their partition's horizon (W[p] − span).
/// <typeparamref name="TTimestamp"/> is a struct, so the JIT specialises the read: no virtual call per entry.
/// It also keeps the smallest timestamp among the entries it kept (<see cref="KeptMin"/>): a lower bound of
/// every surviving entry's, from which the core knows when the next pass could remove anything.
/// </summary>
internal struct ExpirySweeper<TTimestamp> : IStateSweeper
    where TTimestamp : struct, IStoredTimestamp
{
    private readonly PartitionWatermarks _watermarks;
    private readonly long _span;

    public ExpirySweeper(PartitionWatermarks watermarks, long span)
    {
        _watermarks = watermarks;
        _span = span;
        KeptMin = long.MaxValue;
    }

    /// <summary>The smallest timestamp of an entry this sweeper kept (<see cref="long.MaxValue"/> when it kept none).</summary>
    public long KeptMin { get; private set; }

    public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        long horizon = EventTime.Horizon(_watermarks.Get(StateKeys.Partition(key)), _span);
        long timestamp = TTimestamp.Read(value);
        if (timestamp < horizon)
        {
            return true;
        }
        if (timestamp < KeptMin)
        {
            KeptMin = timestamp;
        }
        return false;
    }
}
