using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

public sealed partial class AttributionEngine
{
    /// <summary>The newest snapshot this engine took, or null.</summary>
    public SnapshotInfo? LastSnapshot => _snapshots.Last;

    /// <summary>Whether a snapshot is being completed in the background now (a periodic one due meanwhile is skipped, not queued).</summary>
    public bool SnapshotInProgress => _snapshots.InProgress;

    /// <summary>Snapshots of this engine that failed.</summary>
    public long SnapshotFailures => _snapshots.Failures;

    /// <summary>
    /// Takes a snapshot at this point of the stream and waits until its manifest is durable. The
    /// shards stop only for the cut (<see cref="SnapshotInfo.Pause"/>); the files are written while
    /// they process on. Waits first for a snapshot still in flight. Keeps the newest
    /// <see cref="EngineOptions.SnapshotsToKeep"/>. <paramref name="extras"/> go into the manifest.
    /// </summary>
    /// <exception cref="SnapshotFailedException">It failed (e.g. disk full); the previous snapshot is kept and the engine keeps processing.</exception>
    public SnapshotInfo Snapshot(IReadOnlyDictionary<string, string>? extras = null)
    {
        try
        {
            return SnapshotAsync(extras).GetAwaiter().GetResult();
        }
        catch (SnapshotFailedException e)
        {
            // Rethrown on the caller's thread with its own stack, cause kept.
            throw new SnapshotFailedException(e.Message, e.InnerException) { Sequence = e.Sequence };
        }
    }

    /// <summary>Publishes a snapshot's cut now and returns the task that completes it in the background (see <see cref="Snapshot"/>).</summary>
    public Task<SnapshotInfo> SnapshotAsync(IReadOnlyDictionary<string, string>? extras = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Volatile.Read(ref _failure) is { } failure)
        {
            ThrowFailed(failure);
        }
        return _snapshots.Start(extras);
    }

    /// <summary>
    /// Starts a periodic snapshot when one is due (<see cref="EngineOptions.SnapshotEveryEvents"/>,
    /// <see cref="EngineOptions.SnapshotInterval"/>) and none is in flight; for a producer that is
    /// idle (Submit checks by itself). Returns true when one started.
    /// </summary>
    public bool SnapshotIfDue() => _snapshots.StartIfDue();
}
