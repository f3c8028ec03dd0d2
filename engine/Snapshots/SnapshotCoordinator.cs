using System.Diagnostics;
using System.Runtime.CompilerServices;
using Attribution.Engine.Pipeline;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Snapshots;

/// <summary>
/// Takes an engine's snapshots. The producer thread publishes the cut (a <see cref="SnapshotCutCommand"/>
/// through the ring) and returns; a background task then waits for the shards to pass the cut,
/// completes their FASTER checkpoints while they process on, checksums and syncs every file, writes
/// the manifest last, and prunes old snapshots. One snapshot is in flight at a time. Periodic
/// snapshots are started from <see cref="OnSubmitted"/>, i.e. by the submitting thread, so in
/// single-producer mode only that thread ever publishes.
/// </summary>
internal sealed class SnapshotCoordinator
{
    // How often (in submitted records) the time-based cadence looks at the clock.
    private const long ClockCheckEvery = 1024;

    private readonly EngineOptions _options;
    private readonly SnapshotStore _store;
    private readonly ShardHandler[] _shards;
    private readonly SnapshotStorage _storage;
    private readonly Action<ShardCommand> _post;
    private readonly object _gate = new();
    private readonly long _everyEvents;
    private readonly long _intervalTicks;
    private readonly long _step;
    private long _nextSequence;
    private Task<SnapshotInfo>? _inFlight;
    private long _countdown;
    private long _eventsSince;
    private long _nextDueTicks;
    private volatile SnapshotFailedException? _stopError;
    private SnapshotInfo? _last;
    private long _failures;
    private readonly long? _recoveredSequence;

    // recoveredSequence: the snapshot the engine recovered (kept in the directory), or null.
    public SnapshotCoordinator(EngineOptions options, SnapshotStore store, ShardHandler[] shards, SnapshotStorage storage, long nextSequence, Action<ShardCommand> post, long? recoveredSequence)
    {
        _recoveredSequence = recoveredSequence;
        _options = options;
        _store = store;
        _shards = shards;
        _storage = storage;
        _nextSequence = nextSequence;
        _post = post;
        _everyEvents = options.SnapshotEveryEvents;
        _intervalTicks = options.SnapshotInterval > TimeSpan.Zero ? (long)(options.SnapshotInterval.TotalSeconds * Stopwatch.Frequency) : 0;
        _step = _everyEvents > 0 ? Math.Min(_everyEvents, _intervalTicks > 0 ? ClockCheckEvery : long.MaxValue) : ClockCheckEvery;
        _countdown = _everyEvents > 0 || _intervalTicks > 0 ? _step : long.MaxValue;
        _nextDueTicks = Stopwatch.GetTimestamp() + _intervalTicks;
    }

    /// <summary>Set after a failure under <see cref="SnapshotFailurePolicy.Stop"/>: the engine refuses input.</summary>
    public SnapshotFailedException? StopError => _stopError;

    /// <summary>The newest snapshot taken by this engine, or null.</summary>
    public SnapshotInfo? Last => Volatile.Read(ref _last);

    /// <summary>Whether a snapshot's files are being written now.</summary>
    public bool InProgress
    {
        get
        {
            lock (_gate)
            {
                return _inFlight is { IsCompleted: false };
            }
        }
    }

    /// <summary>Snapshots that failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Counts one submitted record; starts a periodic snapshot when one is due. Producer thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnSubmitted()
    {
        if (--_countdown <= 0)
        {
            OnCountdown();
        }
    }

    /// <summary>Starts a periodic snapshot if one is due and none is in flight; true when it started. Producer thread.</summary>
    public bool StartIfDue()
    {
        if (_everyEvents <= 0 && _intervalTicks <= 0)
        {
            return false;
        }
        bool due = (_everyEvents > 0 && _eventsSince >= _everyEvents)
            || (_intervalTicks > 0 && Stopwatch.GetTimestamp() >= _nextDueTicks);
        if (!due)
        {
            return false;
        }
        lock (_gate)
        {
            if (_inFlight is { IsCompleted: false })
            {
                return false; // tried again at the next countdown
            }
            Begin(extras: null, periodic: true);
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnCountdown()
    {
        _countdown = _step;
        _eventsSince += _step;
        StartIfDue();
    }

    /// <summary>
    /// Publishes a snapshot's cut now (after waiting for a snapshot still in flight) and returns the
    /// task that completes it in the background. Producer thread.
    /// </summary>
    public Task<SnapshotInfo> Start(IReadOnlyDictionary<string, string>? extras)
    {
        while (true)
        {
            WaitForInFlight();
            lock (_gate)
            {
                // With several producers a periodic snapshot may have started since the wait.
                if (_inFlight is not { IsCompleted: false })
                {
                    return Begin(extras, periodic: false);
                }
            }
        }
    }

    /// <summary>Waits until no snapshot is in flight (its failure was already reported).</summary>
    public void WaitForInFlight()
    {
        Task<SnapshotInfo>? task;
        lock (_gate)
        {
            task = _inFlight;
        }
        if (task is not null)
        {
            try
            {
                task.Wait();
            }
            catch (AggregateException)
            {
                // Reported by its continuation (periodic) or to the caller who started it.
            }
        }
    }

    private Task<SnapshotInfo> Begin(IReadOnlyDictionary<string, string>? extras, bool periodic)
    {
        long sequence = _nextSequence++;
        _eventsSince = 0;
        _nextDueTicks = Stopwatch.GetTimestamp() + _intervalTicks;
        var copy = extras is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(extras, StringComparer.Ordinal);
        var command = new SnapshotCutCommand(_shards.Length, _options.CaptureSnapshotExtras, _options.SnapshotTimeout);
        long started = Stopwatch.GetTimestamp();
        DateTimeOffset createdAt = DateTimeOffset.UtcNow;
        _post(command);
        // A thread of its own, not a pool thread: completing blocks on FASTER's flushes, whose I/O
        // completions need pool threads; blocking one of the few pool threads stalls them (the pool
        // adds threads only about once a second).
        Task<SnapshotInfo> task = Task.Factory.StartNew(() =>
        {
            try
            {
                return Complete(sequence, command, copy, started, createdAt);
            }
            catch (Exception e)
            {
                // Counted before the task faults, so whoever sees the failure also sees it counted.
                Interlocked.Increment(ref _failures);
                if (e is SnapshotFailedException)
                {
                    throw;
                }
                throw Failure(sequence, e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (periodic)
        {
            task.ContinueWith(t => Report(t.Exception!.InnerException!), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            // Explicit snapshots report to their caller; only the Stop policy is applied here.
            task.ContinueWith(t => ApplyPolicy(t.Exception!.InnerException!), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        _inFlight = task;
        return task;
    }

    private void Report(Exception e)
    {
        Log(e.Message);
        ApplyPolicy(e);
    }

    private void ApplyPolicy(Exception e)
    {
        if (_options.OnSnapshotFailure == SnapshotFailurePolicy.Stop && e is SnapshotFailedException failed)
        {
            _stopError ??= failed;
        }
    }

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
                Config = SnapshotConfig.From(_options),
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

    private void Log(string line) => _options.Logger?.Invoke(line);
}
