using System.Diagnostics;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Pipeline;

internal sealed partial class SnapshotCoordinator
{
    private SnapshotInfo Complete(long sequence, SnapshotCutCommand command, Dictionary<string, string> extras, long started, DateTimeOffset createdAt)
    {
        TimeSpan timeout = _options.SnapshotTimeout;
        Exception? error = null;
        var completed = new List<(FasterStateTable Table, Guid Token)>();
        try
        {
            if (!command.Wait(timeout))
            {
                // The shards never reached the cut; their checkpoints (if any) cannot be finished safely here.
                throw Failure(sequence, new TimeoutException($"the shards did not reach the cut within {timeout.TotalSeconds:F0} s"));
            }
            foreach (ShardCut? cut in command.Cuts)
            {
                error ??= cut?.Error;
            }
            error ??= command.CaptureError;
            // Every checkpoint that began must be finished, even after an error: FASTER runs one at a time.
            for (int i = 0; i < _shards.Length; i++)
            {
                ShardCut? cut = command.Cuts[i];
                Finish(_shards[i].Core.Clicks, cut?.Clicks ?? Guid.Empty, completed, ref error);
                Finish(_shards[i].Core.Conversions, cut?.Conversions ?? Guid.Empty, completed, ref error);
            }
        }
        finally
        {
            foreach (ShardHandler shard in _shards)
            {
                shard.CheckpointInFlight = false;
            }
        }
        if (error is not null)
        {
            Discard(completed);
            throw Failure(sequence, error);
        }
        TimeSpan checkpointWrite = Stopwatch.GetElapsedTime(started);

        SnapshotManifest manifest;
        string path;
        long bytes = 0, total = 0, hashed = 0;
        try
        {
            foreach (var (k, v) in command.CapturedExtras)
            {
                extras[k] = v;
            }
            var files = new List<SnapshotFile>();
            var directories = new HashSet<string>(StringComparer.Ordinal);
            byte[] buffer = DurableFiles.NewBuffer();
            foreach (var (table, token) in completed)
            {
                foreach (CheckpointFile file in table.CheckpointFiles(token))
                {
                    files.Add(_store.Describe(file.Path, file.Length, file.IsPrefix, buffer, out long read));
                    hashed += read;
                    total += file.Length;
                    if (!file.IsPrefix)
                    {
                        bytes += file.Length;
                        // The checkpoint's own folder and its parent were created for it: their entries must be durable too.
                        string folder = Path.GetDirectoryName(file.Path)!;
                        directories.Add(folder);
                        directories.Add(Path.GetDirectoryName(folder)!);
                    }
                }
            }
            foreach (string directory in directories)
            {
                DurableFiles.SyncDirectory(directory);
            }
            var partitions = new List<PartitionCut>();
            var shards = new List<ShardCheckpoints>();
            long lastPosition = -1;
            foreach (ShardCut? cut in command.Cuts)
            {
                lastPosition = Math.Max(lastPosition, cut!.LastPosition);
                foreach (PartitionCut partition in cut.Partitions)
                {
                    partitions.Add(command.PendingEventTimes.TryGetValue(partition.Partition, out long[]? pending)
                        ? partition with { PendingEventTimes = pending }
                        : partition);
                }
                shards.Add(new ShardCheckpoints { Shard = cut.Shard, Clicks = cut.Clicks, Conversions = cut.Conversions });
            }
            partitions.Sort((a, b) => a.Partition.CompareTo(b.Partition));
            manifest = new SnapshotManifest
            {
                Sequence = sequence,
                CreatedAt = createdAt,
                Config = _options.ToSnapshotConfig(),
                Storage = _storage,
                LastSubmittedPosition = lastPosition,
                Partitions = partitions,
                Shards = shards,
                Files = files,
                Extras = extras,
            };
            _options.BeforeSnapshotManifest?.Invoke(sequence, extras);
            path = _store.Write(manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Discard(completed);
            throw Failure(sequence, e);
        }
        _store.RememberPrefixes(manifest);

        long pause = 0;
        foreach (ShardCut? cut in command.Cuts)
        {
            pause = Math.Max(pause, cut!.PauseTicks);
        }
        var info = new SnapshotInfo
        {
            Sequence = sequence,
            ManifestPath = path,
            Duration = Stopwatch.GetElapsedTime(started),
            CheckpointWrite = checkpointWrite,
            Seal = Stopwatch.GetElapsedTime(started) - checkpointWrite,
            Pause = TimeSpan.FromSeconds(pause / (double)Stopwatch.Frequency),
            Bytes = bytes,
            TotalBytes = total,
            HashedBytes = hashed,
            Manifest = manifest,
        };
        Volatile.Write(ref _last, info);
        try
        {
            Prune(manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The new snapshot is complete; old ones that stay behind are deleted by the next prune.
            Log($"Old snapshots in '{_store.Directory}' could not all be deleted: {e.Message}");
        }
        return info;
    }

    private void Finish(FasterStateTable table, Guid token, List<(FasterStateTable, Guid)> completed, ref Exception? error)
    {
        if (token == Guid.Empty)
        {
            return;
        }
        try
        {
            table.CompleteCheckpoint(token, _options.SnapshotTimeout);
            completed.Add((table, token));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error ??= e;
        }
    }

    private static void Discard(List<(FasterStateTable Table, Guid Token)> completed)
    {
        foreach (var (table, token) in completed)
        {
            try
            {
                table.RemoveCheckpoint(token);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Left behind as an unreferenced checkpoint; the next prune removes it.
            }
        }
    }

    // Names the snapshot a restart would recover, or says there is none: "the previous one is kept" must be true.
    private SnapshotFailedException Failure(long sequence, Exception cause)
    {
        long? kept = Last?.Sequence ?? _recoveredSequence;
        string what = kept is { } k ? $", snapshot {k} is kept" : "; no earlier snapshot exists, so a restart would start from empty state";
        return new($"Snapshot {sequence} failed and was discarded{what}: {cause.Message.TrimEnd('.')}.", cause) { Sequence = sequence };
    }
}
