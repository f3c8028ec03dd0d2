using Attribution.Engine.Attribution;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

public sealed partial class AttributionEngine
{
    /// <summary>
    /// Opens the engine on <see cref="EngineOptions.StateDirectory"/>, recovering the newest snapshot
    /// there that verifies (manifest readable, every listed file present with its length and
    /// checksum). A snapshot that does not is reported to <see cref="EngineOptions.Logger"/> in one
    /// line and the next older one is tried; with none usable the engine starts empty and says so.
    /// <see cref="RecoveredSnapshot"/> tells what was loaded: resubmit input after its positions.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="SnapshotMismatchException">The snapshot to recover was taken with other results-determining settings (window, lateness, retention, partitions, history, shards).</exception>
    /// <exception cref="StateDirectoryInUseException">Another engine holds the state directory (nothing in it was changed).</exception>
    public static AttributionEngine Open(EngineOptions options, IEngineOutput output)
    {
        Validated(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.StateDirectory is null)
        {
            return new AttributionEngine(options, output, recover: null, store: null, directoryLock: null);
        }
        StateDirectoryLock directoryLock = LockStateDirectory(options.StateDirectory);
        try
        {
            return OpenLocked(options, output, directoryLock);
        }
        catch
        {
            directoryLock.Dispose();
            throw;
        }
    }

    private static AttributionEngine OpenLocked(EngineOptions options, IEngineOutput output, StateDirectoryLock directoryLock)
    {
        var store = new SnapshotStore(options.StateDirectory!);
        IReadOnlyList<SnapshotEntry> entries = store.List();
        SnapshotConfig current = options.ToSnapshotConfig();
        foreach (SnapshotEntry entry in entries)
        {
            SnapshotManifest manifest;
            try
            {
                manifest = SnapshotStore.Read(entry.Path);
            }
            catch (InvalidDataException e)
            {
                Log(options, $"Snapshot {entry.Sequence} ('{entry.Path}') is not usable: {e.Message}; trying an older one.");
                continue;
            }
            if (store.Verify(manifest) is { } problem)
            {
                Log(options, $"Snapshot {entry.Sequence} ('{entry.Path}') is not usable: {problem}; trying an older one.");
                continue;
            }
            if (manifest.Config.Difference(current) is { } difference)
            {
                throw new SnapshotMismatchException(
                    $"Snapshot {manifest.Sequence} in '{store.StateDirectory}' was taken with other settings than the engine's ({difference}); use the snapshot's settings or an empty state directory.");
            }
            try
            {
                Log(options, $"Recovering snapshot {manifest.Sequence} from '{store.StateDirectory}'.");
                return new AttributionEngine(options, output, manifest, store, directoryLock);
            }
            catch (Exception e) when (e is IOException and not (EndOfStreamException or FileNotFoundException or DirectoryNotFoundException) || e is UnauthorizedAccessException)
            {
                // The snapshot verified (every file present, lengths and checksums right), so a failure to read it
                // now is the environment (permissions, a read-only or failing disk), not damage: stop here rather than
                // fall back to an older snapshot or to empty state, whose next snapshots would retire this good one.
                throw new IOException($"Snapshot {entry.Sequence} in '{store.StateDirectory}' verified but could not be loaded ({e.Message}); nothing was changed — fix the state directory's access and start again.", e);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or FASTER.core.FasterException)
            {
                Log(options, $"Snapshot {entry.Sequence} ('{entry.Path}') is not usable: its state tables could not be recovered ({e.Message}); trying an older one.");
            }
        }
        Log(options, entries.Count == 0
            ? $"No snapshot in '{store.StateDirectory}'; starting with empty state."
            : $"None of the {entries.Count} snapshots in '{store.StateDirectory}' is usable; starting with empty state.");
        return new AttributionEngine(options, output, recover: null, store: null, directoryLock);
    }

    /// <summary>Takes the state directory's lock; a directory that cannot hold a lock file fails in one sentence.</summary>
    private static StateDirectoryLock LockStateDirectory(string directory)
    {
        try
        {
            return StateDirectoryLock.Acquire(directory);
        }
        catch (Exception e) when (e is IOException and not StateDirectoryInUseException || e is UnauthorizedAccessException)
        {
            throw new IOException($"The state directory '{Path.GetFullPath(directory)}' cannot be locked ({e.Message.TrimEnd('.')}); nothing was changed — fix the state directory's access and start again.", e);
        }
    }

    /// <summary>The snapshot <see cref="Open"/> recovered, or null when the engine started empty.</summary>
    public SnapshotManifest? RecoveredSnapshot { get; }

    /// <summary>
    /// Silent replay after recovery: events of <paramref name="partition"/> at or before
    /// <paramref name="position"/> submitted from now on update state exactly as usual but deliver
    /// no output (it was delivered before the crash). Publish it before resubmitting that range.
    /// </summary>
    public void SetSilentUntil(int partition, long position)
    {
        if ((uint)partition >= PartitionWatermarks.MaxPartitions)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), partition, $"A partition must be between 0 and {PartitionWatermarks.MaxPartitions - 1}.");
        }
        Post(new SilentUntilCommand(partition, position));
    }
}
