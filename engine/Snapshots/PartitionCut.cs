namespace Attribution.Engine.Snapshots;

/// <summary>One input partition at a snapshot's cut.</summary>
public sealed record PartitionCut
{
    /// <summary>The partition.</summary>
    public int Partition { get; init; }

    /// <summary>Position (offset, line number) of the last record applied; state includes it and everything before. -1 = none.</summary>
    public long Position { get; init; }

    /// <summary>The partition's watermark (largest event time seen); <see cref="long.MinValue"/> = none.</summary>
    public long Watermark { get; init; }

    /// <summary>
    /// The event-time guard's pending timestamps of the partition: its first events while it bootstraps, or a run of
    /// events ahead of the watermark not yet confirmed (docs/SEMANTICS.md). Empty in snapshots written before the guard.
    /// </summary>
    public long[] PendingEventTimes { get; init; } = [];

    /// <summary>Equal when every field is, the pending times element by element.</summary>
    public bool Equals(PartitionCut? other)
        => other is not null && Partition == other.Partition && Position == other.Position && Watermark == other.Watermark
            && PendingEventTimes.AsSpan().SequenceEqual(other.PendingEventTimes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Partition, Position, Watermark, PendingEventTimes.Length);
}
