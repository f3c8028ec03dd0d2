namespace Attribution.Engine.Pipeline;

/// <summary>Flush: every shard delivers its outputs; once done, all events before it are applied and delivered.</summary>
internal sealed class FlushCommand : ShardCommand
{
    /// <inheritdoc/>
    public override void Execute(ShardHandler shard)
    {
    }
}
