namespace Attribution.Engine.Snapshots;

/// <summary>What one snapshot took.</summary>
public sealed record SnapshotInfo
{
    /// <summary>The snapshot's sequence number (its id).</summary>
    public long Sequence { get; init; }

    /// <summary>Path of its manifest.</summary>
    public required string ManifestPath { get; init; }

    /// <summary>From publishing the cut until the manifest was durable.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>
    /// The longest time a shard stopped processing for the snapshot (the cut: capturing positions
    /// and starting its FASTER checkpoints; the checkpoint files are written while it processes on).
    /// </summary>
    public TimeSpan Pause { get; init; }

    /// <summary>From publishing the cut until every table's checkpoint was written (FASTER, in the background).</summary>
    public TimeSpan CheckpointWrite { get; init; }

    /// <summary>Checksumming and syncing the files and writing the manifest, after <see cref="CheckpointWrite"/>.</summary>
    public TimeSpan Seal { get; init; }

    /// <summary>Bytes written for this snapshot (its checkpoint files).</summary>
    public long Bytes { get; init; }

    /// <summary>Bytes of every file it consists of, including log segments shared with older snapshots.</summary>
    public long TotalBytes { get; init; }

    /// <summary>Bytes read to checksum (log segments already checksummed by an earlier snapshot are not read again).</summary>
    public long HashedBytes { get; init; }

    /// <summary>The manifest written.</summary>
    public required SnapshotManifest Manifest { get; init; }
}
