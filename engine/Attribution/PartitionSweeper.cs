using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>Selects every key of one partition (a partition handed to another owner).</summary>
internal readonly struct PartitionSweeper : IStateSweeper
{
    private readonly int _partition;

    public PartitionSweeper(int partition) => _partition = partition;

    public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => StateKeys.Partition(key) == _partition;
}
