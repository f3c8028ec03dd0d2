namespace Attribution.Engine.Snapshots;

/// <summary>One file of a snapshot as found on disk by <see cref="SnapshotCatalog.Check"/>.</summary>
public sealed record SnapshotFileCheck
{
    /// <summary>Path relative to the state directory, as the manifest lists it.</summary>
    public required string Path { get; init; }

    /// <summary>Bytes that belong to the snapshot (the listed length).</summary>
    public long Length { get; init; }

    /// <summary>Whether only the first <see cref="Length"/> bytes belong to it (a log segment shared with later snapshots).</summary>
    public bool Prefix { get; init; }

    /// <summary>Null when the file is present with the listed length and checksum, else why not (one clause).</summary>
    public string? Problem { get; init; }

    /// <summary>Whether it verified.</summary>
    public bool Verified => Problem is null;
}
