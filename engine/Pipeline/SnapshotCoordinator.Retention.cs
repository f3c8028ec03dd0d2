using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

internal sealed partial class SnapshotCoordinator
{
    /// <summary>
    /// Keeps the newest <see cref="EngineOptions.SnapshotsToKeep"/> usable snapshots up to
    /// <paramref name="newest"/> (null = none is usable) and deletes the rest: manifests first (a
    /// crash in between leaves unreferenced checkpoints, never a manifest without its files), then
    /// every checkpoint no kept manifest references. A manifest is unusable when it cannot be read,
    /// is newer than <paramref name="newest"/>, or lists a checkpoint its table no longer has.
    /// </summary>
    public void Prune(SnapshotManifest? newest)
    {
        var live = new HashSet<Guid>();
        foreach (ShardHandler shard in _shards)
        {
            live.UnionWith(shard.Core.Clicks.CheckpointTokens());
            live.UnionWith(shard.Core.Conversions.CheckpointTokens());
        }
        var referenced = new HashSet<Guid>();
        int kept = 0;
        bool deleted = false;
        foreach (SnapshotEntry entry in _store.List())
        {
            string? reason = null;
            SnapshotManifest? manifest = null;
            if (newest is null || entry.Sequence > newest.Sequence)
            {
                reason = newest is null ? "no snapshot of this state directory is in use" : $"it is newer than snapshot {newest.Sequence}, from which the state was recovered";
            }
            else
            {
                try
                {
                    manifest = SnapshotStore.Read(entry.Path);
                }
                catch (InvalidDataException e)
                {
                    reason = e.Message;
                }
            }
            if (manifest is not null)
            {
                if (manifest.Shards.Exists(s => !live.Contains(s.Clicks) || !live.Contains(s.Conversions)))
                {
                    reason = "its checkpoints are no longer in the state tables";
                }
                else if (kept < _options.SnapshotsToKeep)
                {
                    kept++;
                    foreach (ShardCheckpoints s in manifest.Shards)
                    {
                        referenced.Add(s.Clicks);
                        referenced.Add(s.Conversions);
                    }
                    continue;
                }
            }
            if (reason is not null)
            {
                Log($"Snapshot {entry.Sequence} ('{entry.Path}') is deleted: {reason}.");
            }
            _store.Delete(entry);
            deleted = true;
        }
        if (deleted)
        {
            _store.SyncDirectory();
        }
        foreach (ShardHandler shard in _shards)
        {
            shard.Core.Clicks.RemoveCheckpointsExcept(referenced);
            shard.Core.Conversions.RemoveCheckpointsExcept(referenced);
        }
        _store.DeleteTempFiles();
    }
}
