namespace Attribution.Engine.Snapshots;

/// <summary>The FASTER checkpoints one shard's tables took for a snapshot.</summary>
public sealed record ShardCheckpoints
{
    /// <summary>The shard index.</summary>
    public int Shard { get; init; }

    /// <summary>Checkpoint token of the click table.</summary>
    public Guid Clicks { get; init; }

    /// <summary>Checkpoint token of the conversion-id table.</summary>
    public Guid Conversions { get; init; }
}
