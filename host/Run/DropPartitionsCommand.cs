using Attribution.Engine.Pipeline;

namespace Attribution.Host.Run;

/// <summary>
/// Deletes the engine state of some partitions at one point of the stream (each shard drops the ones
/// it owns, p mod N), so a partition that comes back to this host is rebuilt from its input, not from stale state.
/// </summary>
/// <param name="partitions">Partitions to drop.</param>
/// <param name="shards">The engine's shard count N.</param>
internal sealed class DropPartitionsCommand(IReadOnlyCollection<int> partitions, int shards) : ShardCommand
{
    /// <inheritdoc/>
    public override void Execute(ShardHandler shard)
    {
        foreach (int p in partitions)
        {
            if (p % shards == shard.Index)
            {
                shard.Core.DropPartition(p);
                shard.SetPosition(p, -1);
            }
        }
    }
}
