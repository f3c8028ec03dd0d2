namespace Attribution.Engine.Snapshots;

/// <summary>
/// One snapshot of a state directory, read and verified the way recovery verifies it (manifest checksum and
/// format, every listed file's presence, length and checksum), but with every file's status rather than the first
/// problem only. Made by <see cref="SnapshotCatalog.Check"/>.
/// </summary>
public sealed record SnapshotCheck
{
    /// <summary>The snapshot's sequence number (from its manifest's file name).</summary>
    public long Sequence { get; init; }

    /// <summary>Full path of the manifest.</summary>
    public required string ManifestPath { get; init; }

    /// <summary>Bytes of the manifest file.</summary>
    public long ManifestBytes { get; init; }

    /// <summary>The manifest, or null when it could not be read or did not verify itself.</summary>
    public SnapshotManifest? Manifest { get; init; }

    /// <summary>Each listed file's status, in the manifest's order (empty when the manifest is unreadable).</summary>
    public IReadOnlyList<SnapshotFileCheck> Files { get; init; } = [];

    /// <summary>Null when the snapshot verifies (recovery could load it), else the first problem (one clause, "it …").</summary>
    public string? Problem { get; init; }

    /// <summary>Whether the snapshot verifies.</summary>
    public bool Verified => Problem is null;

    /// <summary>Bytes of every file the snapshot consists of (log segments shared with other snapshots included) and the manifest.</summary>
    public long Bytes => ManifestBytes + Files.Sum(f => f.Length);
}
