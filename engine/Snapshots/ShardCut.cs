namespace Attribution.Engine.Snapshots;

/// <summary>What one shard captured at a snapshot's cut (filled on the shard's thread).</summary>
internal sealed class ShardCut(int shard)
{
    /// <summary>The shard.</summary>
    public int Shard { get; } = shard;

    /// <summary>Its partitions that had seen events.</summary>
    public List<PartitionCut> Partitions { get; } = [];

    /// <summary>Position of the last record submitted before the cut (-1 = none).</summary>
    public long LastPosition { get; set; } = -1;

    /// <summary>Checkpoint begun on the click table (empty when none was).</summary>
    public Guid Clicks { get; set; }

    /// <summary>Checkpoint begun on the conversion-id table (empty when none was).</summary>
    public Guid Conversions { get; set; }

    /// <summary>Why the cut failed on this shard, or null.</summary>
    public Exception? Error { get; set; }

    /// <summary>How long the shard stopped processing for the cut (Stopwatch ticks).</summary>
    public long PauseTicks { get; set; }
}
