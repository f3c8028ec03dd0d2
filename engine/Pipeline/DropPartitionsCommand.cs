using Attribution.Engine.Attribution;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// Deletes the state of some partitions at one point of the stream (each shard drops the ones it owns, p mod N)
/// and, at the same point, makes the event-time guard forget them, so a partition that comes back is rebuilt from its input.
/// </summary>
internal sealed class DropPartitionsCommand(IReadOnlyCollection<int> partitions) : ShardCommand
{
    internal override bool UsesProducerState => true;

    internal override void OnPost(EventTimeGuard guard)
    {
        foreach (int p in partitions)
        {
            guard.Forget(p);
        }
    }

    /// <inheritdoc/>
    public override void Execute(ShardHandler shard)
    {
        foreach (int p in partitions)
        {
            if (shard.Owns(p))
            {
                shard.Core.DropPartition(p);
                shard.SetPosition(p, -1);
            }
        }
    }
}
