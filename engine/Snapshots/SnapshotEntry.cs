namespace Attribution.Engine.Snapshots;

/// <summary>A manifest file found in a state directory (not yet read or verified).</summary>
/// <param name="Sequence">The sequence number in its file name.</param>
/// <param name="Path">Full path of the manifest.</param>
internal readonly record struct SnapshotEntry(long Sequence, string Path);
