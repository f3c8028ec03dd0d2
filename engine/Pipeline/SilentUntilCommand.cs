using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

/// <summary>Makes the shard that owns a partition suppress outputs up to a position (silent replay after recovery).</summary>
internal sealed class SilentUntilCommand(int partition, long position) : ShardCommand
{
    /// <inheritdoc/>
    public override void Execute(ShardHandler shard) => shard.SetSilentUntil(partition, position);
}
