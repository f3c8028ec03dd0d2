using System.Diagnostics;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// The engine: a source thread submits records, which are decoded straight into preallocated ring
/// slots; N shard threads (one <see cref="ShardHandler"/> each) apply the events of their partitions
/// to their FASTER state and hand attributions to an <see cref="IEngineOutput"/>.
/// </summary>
/// <remarks>
/// Thread rules: <see cref="Submit"/> from one thread at a time unless <see cref="EngineOptions.MultiProducer"/>;
/// <see cref="Snapshot"/>, <see cref="SnapshotAsync"/>, <see cref="SnapshotIfDue"/>,
/// <see cref="SetSilentUntil"/>, <see cref="Flush"/> and <see cref="Execute"/> publish through the
/// ring too, so in single-producer mode call them from the submitting thread (or serialise them with
/// it, as the C ABI does); periodic snapshots are started by <see cref="Submit"/> itself;
/// <see cref="GetCounters"/> from any thread;
/// <see cref="Dispose"/> once, after submitters stopped. Outputs arrive on shard threads.
/// <para>
/// Snapshots and recovery (DESIGN §4): <see cref="Open"/> loads the newest snapshot of the state
/// directory that verifies; the caller then resubmits input from <see cref="RecoveredSnapshot"/>'s
/// positions, with <see cref="SetSilentUntil"/> for the range whose outputs were already delivered.
/// </para>
/// </remarks>
public sealed class AttributionEngine : IDisposable
{
    private readonly EventPipeline<EngineSlot> _pipeline;
    private readonly RingBuffer<EngineSlot> _ring;
    private readonly ShardHandler[] _shards;
    private readonly RecordAndContinuePolicy _faults;
    private readonly AttributionCounters _rejections = new();
    private readonly object _rejectionLock = new();
    private readonly int _partitions;
    private readonly int _maxRecordBytes;
    private readonly string _stateDirectory;
    private readonly bool _ownsStateDirectory;
    private readonly SnapshotCoordinator _snapshots;
    private readonly EventTimeGuard _guard;
    // With several producers the guard's order must be the ring's: judging and claiming happen under this lock
    // (null with one producer). Commands that read or set the guard's state are posted under it too.
    private readonly object? _producerLock;
    private readonly StateDirectoryLock _directoryLock;
    private ShardFailedException? _failure;
    private int _disposed;

    /// <summary>
    /// Opens the engine with empty state: creates (or reuses) the state directory, deletes state and
    /// snapshots an earlier engine left there, and starts the shard threads. See <see cref="Open"/> to recover instead.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (the message says why in one sentence).</exception>
    /// <exception cref="StateDirectoryInUseException">Another engine holds the state directory (nothing in it was changed).</exception>
    public AttributionEngine(EngineOptions options, IEngineOutput output)
        : this(Validated(options), output ?? throw new ArgumentNullException(nameof(output)), recover: null, store: null, directoryLock: null)
    {
    }

    // store: the one Open verified the snapshot with (it remembers the checksums it read).
    // directoryLock: the lock Open took (it stays the caller's when this throws); null = take it here.
    private AttributionEngine(EngineOptions options, IEngineOutput output, SnapshotManifest? recover, SnapshotStore? store, StateDirectoryLock? directoryLock)
    {
        Options = options;
        _partitions = options.Attribution.Partitions;
        _maxRecordBytes = options.Attribution.MaxRecordBytes;
        _ownsStateDirectory = options.StateDirectory is null;
        _stateDirectory = Path.GetFullPath(options.StateDirectory ?? Path.Combine(Path.GetTempPath(), "attribution-state-" + Guid.NewGuid().ToString("N")));
        bool lockTakenHere = directoryLock is null;
        // Before anything in the directory changes: a second engine on it must change nothing.
        _directoryLock = directoryLock ?? LockStateDirectory(_stateDirectory);
        _guard = new EventTimeGuard(options.Attribution);
        _producerLock = options.MultiProducer ? new object() : null;
        if (recover is not null)
        {
            foreach (PartitionCut cut in recover.Partitions)
            {
                _guard.Restore(cut.Partition, cut.Watermark, cut.PendingEventTimes ?? []);
            }
        }
        _shards = new ShardHandler[options.Shards];
        try
        {
            store ??= new SnapshotStore(_stateDirectory);
            IReadOnlyList<SnapshotEntry> existing = store.List();
            long nextSequence = existing.Count == 0 ? 1 : existing[0].Sequence + 1;

            // Recovery reopens the tables with the FASTER layout their checkpoints were written with.
            SnapshotStorage storage = recover?.Storage ?? SnapshotStorage.From(options);
            if (recover is not null && storage != SnapshotStorage.From(options))
            {
                Log(options, $"Snapshot {recover.Sequence} was written with state table sizes {storage}; they are used instead of the configured {SnapshotStorage.From(options)}.");
            }

            if (recover is null)
            {
                // The tables are emptied next: the manifests go first, so that a crash in between never leaves a
                // manifest whose files are gone (that would be a snapshot that looks kept but cannot be recovered).
                store.DeleteAll();
            }

            for (int i = 0; i < _shards.Length; i++)
            {
                string dir = Path.Combine(_stateDirectory, $"shard-{i}");
                // A log that outgrew its memory budget is worth compacting, also under the default minimum.
                const long minCompaction = FasterStateTableOptions.DefaultCompactionMinLogBytes;
                var clickOptions = new FasterStateTableOptions
                {
                    Directory = dir,
                    Name = "clicks",
                    IndexBuckets = storage.IndexBuckets,
                    MemoryBytes = storage.ClickMemoryBytes,
                    CompactionMinLogBytes = Math.Min(minCompaction, storage.ClickMemoryBytes),
                    DeleteOnDispose = _ownsStateDirectory,
                };
                var conversionOptions = new FasterStateTableOptions
                {
                    Directory = dir,
                    Name = "conversions",
                    IndexBuckets = storage.ConversionIndexBuckets,
                    MemoryBytes = storage.ConversionMemoryBytes,
                    CompactionMinLogBytes = Math.Min(minCompaction, storage.ConversionMemoryBytes),
                    DeleteOnDispose = _ownsStateDirectory,
                };
                FasterStateTable clicks = recover is null ? FasterStateTable.Create(clickOptions) : FasterStateTable.Recover(clickOptions, recover.Shards[i].Clicks);
                FasterStateTable conversions;
                try
                {
                    conversions = recover is null ? FasterStateTable.Create(conversionOptions) : FasterStateTable.Recover(conversionOptions, recover.Shards[i].Conversions);
                }
                catch
                {
                    clicks.Dispose();
                    throw;
                }
                _shards[i] = new ShardHandler(i, options, clicks, conversions, output, OnShardFailed);
                if (recover is not null)
                {
                    _shards[i].Restore(recover.Partitions, recover.LastSubmittedPosition);
                }
            }

            _snapshots = new SnapshotCoordinator(options, store, _shards, storage, nextSequence, Post, recover?.Sequence);
            if (recover is null)
            {
                store.ForgetPrefixes();
            }
            else
            {
                // Only the recovered snapshot's log prefixes are known good: a newer snapshot verified but not
                // recovered may list prefixes the recovered tables will now write differently.
                store.RememberPrefixes(recover);
                Log(options, $"Recovered snapshot {recover.Sequence} of {recover.CreatedAt:u} from '{store.StateDirectory}' ({recover.Partitions.Count} partitions).");
            }
            // Snapshots newer than the recovered one, unusable ones and unreferenced checkpoints go
            // (after a fresh start: every snapshot, since the tables they need were just emptied).
            _snapshots.Prune(recover);
        }
        catch
        {
            foreach (var s in _shards)
            {
                s?.Dispose();
            }
            if (lockTakenHere)
            {
                _directoryLock.Dispose();
            }
            throw;
        }
        RecoveredSnapshot = recover;

        _faults = new RecordAndContinuePolicy();
        _pipeline = new EventPipeline<EngineSlot>(options.RingSize,
            options.MultiProducer ? ProducerType.Multi : ProducerType.Single, CreateWait(options.Wait), _faults);
        _ring = _pipeline.Ring;
        _pipeline.HandleEventsWith("shard", _shards);
        _pipeline.Start();
    }

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
        SnapshotConfig current = SnapshotConfig.From(options);
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
    /// Why the engine stopped, or null while it runs: a shard's output or state could not be written
    /// (see <see cref="ShardFailedException"/>). Once set, every call through the ring throws it.
    /// </summary>
    public ShardFailedException? Failure => Volatile.Read(ref _failure);

    // On the failing shard's thread, when it happens: the caller sees it at its next call (the first failure wins).
    // A producer waiting for ring space (a shard blocked for good) is woken by the ring's halted-consumer report.
    private void OnShardFailed(ShardFailedException failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            _ring.Sequencer.ReportConsumerHalted(new HandlerFault(failure, -1, $"shard-{failure.Shard}", HandlerHook.Event));
        }
    }

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

    /// <summary>The options the engine was opened with.</summary>
    public EngineOptions Options { get; }

    /// <summary>The shards (their state may be read only while the engine is flushed and idle).</summary>
    public IReadOnlyList<ShardHandler> Shards => _shards;

    /// <summary>The state directory in use.</summary>
    public string StateDirectory => _stateDirectory;

    /// <summary>Handler exceptions so far (each one an event that could not be applied; see <see cref="RecentFaults"/>).</summary>
    public long FaultCount => _faults.FaultCount;

    /// <summary>The most recent handler faults.</summary>
    public HandlerFault[] RecentFaults() => _faults.RecentFaults();

    /// <summary>
    /// Decodes one record straight into the next ring slot, judges its timestamp with the event-time guard
    /// (<see cref="EventTimeGuard"/>) and publishes it. Returns <see cref="RejectReason.None"/> when accepted, else
    /// why it was rejected (counted; the caller dead-letters it). <paramref name="partition"/> &lt; 0 means hash(user_id) mod P. Blocks while the ring is full.
    /// </summary>
    /// <exception cref="SnapshotFailedException">A snapshot failed under <see cref="SnapshotFailurePolicy.Stop"/>: the engine accepts no more input.</exception>
    /// <exception cref="ShardFailedException">A shard stopped because its output or state could not be written (see <see cref="Failure"/>).</exception>
    public RejectReason Submit(ReadOnlySpan<byte> record, long position = 0, int partition = -1, WireFormat format = WireFormat.Json)
        => SubmitReportingField(record, out _, position, partition, format);

    /// <summary>
    /// <see cref="Submit"/> that also says which field a rejection is about
    /// (<paramref name="rejectedField"/>; <see cref="RecordField.None"/> when accepted or when the reason concerns the whole record).
    /// </summary>
    public RejectReason SubmitReportingField(ReadOnlySpan<byte> record, out RecordField rejectedField, long position = 0, int partition = -1, WireFormat format = WireFormat.Json)
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            ThrowFailed(failure);
        }
        if (_snapshots.StopError is { } stop)
        {
            ThrowStopped(stop);
        }
        RejectReason reason;
        if (_producerLock is null)
        {
            reason = Publish(record, position, partition, format, out rejectedField);
        }
        else
        {
            lock (_producerLock)
            {
                reason = Publish(record, position, partition, format, out rejectedField);
            }
        }
        if (reason != RejectReason.None)
        {
            CountRejected(reason);
        }
        _snapshots.OnSubmitted();
        return reason;
    }

    // Decodes into the next slot, judges the event's time and publishes it (under the producer lock with several producers).
    private RejectReason Publish(ReadOnlySpan<byte> record, long position, int partition, WireFormat format, out RecordField rejectedField)
    {
        long seq = Next();
        ref EngineSlot slot = ref _ring[seq];
        slot.Command = null;
        slot.Record.Partition = 0;
        slot.Record.Position = position;
        slot.Record.IngestTicks = Stopwatch.GetTimestamp();
        RejectReason reason = format == WireFormat.Json
            ? JsonEventReader.Read(record, ref slot.Record, _maxRecordBytes)
            : MessagePackEventReader.Read(record, ref slot.Record, _maxRecordBytes);
        if (reason == RejectReason.None)
        {
            if ((uint)partition >= PartitionWatermarks.MaxPartitions)
            {
                partition = UserPartitioner.Partition(slot.Record.Get(slot.Record.UserId), _partitions);
            }
            slot.Record.Partition = partition;
            reason = _guard.Judge(ref slot.Record);
            if (reason != RejectReason.None)
            {
                slot.Record.RejectedField = RecordField.Timestamp; // the guard judges the event's time
            }
        }
        if (reason == RejectReason.None)
        {
            slot.Kind = SlotKind.Event;
        }
        else
        {
            // The sequence is claimed and must be published; the shards skip it (the owner of a
            // given partition records its position as consumed).
            slot.Kind = SlotKind.Skip;
            slot.Record.Partition = (uint)partition < PartitionWatermarks.MaxPartitions ? partition : -1;
        }
        rejectedField = slot.Record.RejectedField;
        _ring.Publish(seq);
        return reason;
    }

    private long Next()
    {
        try
        {
            return _ring.Next();
        }
        catch (ProcessorHaltedException) when (Volatile.Read(ref _failure) is not null)
        {
            ThrowFailed(Volatile.Read(ref _failure)!);
            throw;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowFailed(ShardFailedException failure)
        => throw new ShardFailedException(failure.Shard, failure.Message, failure.InnerException!);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowStopped(SnapshotFailedException stop)
        => throw new SnapshotFailedException($"The engine stopped accepting input because a snapshot failed: {stop.Message}", stop) { Sequence = stop.Sequence };

    /// <summary>Counts a record rejected before it reached <see cref="Submit"/> (e.g. an empty Kafka value).</summary>
    public void CountRejected(RejectReason reason)
    {
        lock (_rejectionLock)
        {
            _rejections.RecordRejected(reason);
        }
    }

    /// <summary>Waits until every event submitted before the call is applied and its outputs delivered.</summary>
    public void Flush(TimeSpan? timeout = null) => Execute(new FlushCommand(), timeout ?? TimeSpan.FromMinutes(5));

    /// <summary>
    /// Writes the state of input partition <paramref name="partition"/> (both tables, its watermark and the last
    /// position applied) to <paramref name="path"/> at this point of the stream, atomically (temp file, fsync,
    /// rename). Same thread rules as <see cref="Submit"/>. See <see cref="PartitionStateFile"/>.
    /// </summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    public PartitionStateInfo ExportPartition(int partition, string path, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var command = new ExportPartitionCommand(partition, path);
        try
        {
            Execute(command, timeout ?? TimeSpan.FromMinutes(5));
        }
        catch (InvalidOperationException e) when (e.InnerException is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The state of partition {partition} could not be written to '{path}': {e.InnerException.Message}", e.InnerException);
        }
        return command.Result!;
    }

    /// <summary>
    /// Replaces the state of input partition <paramref name="partition"/> with the one in <paramref name="path"/>
    /// (written by <see cref="ExportPartition"/>, here or on another host). The file is checked whole before any
    /// state changes; settings that change results (window, lateness, retention, click history) must match.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged, of another partition or of other settings (the message says which).</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public PartitionStateInfo ImportPartition(int partition, string path, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var command = new ImportPartitionCommand(partition, path);
        try
        {
            if (_producerLock is null)
            {
                ImportNow(command, timeout);
            }
            else
            {
                // No event may be judged between the import's place in the ring and the guard taking the file's state.
                lock (_producerLock)
                {
                    ImportNow(command, timeout);
                }
            }
        }
        catch (InvalidOperationException e) when (e.InnerException is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw e.InnerException is InvalidDataException d ? new InvalidDataException(d.Message, d) : new IOException(e.InnerException.Message, e.InnerException);
        }
        return command.Result!;
    }

    private void ImportNow(ImportPartitionCommand command, TimeSpan? timeout)
    {
        Execute(command, timeout ?? TimeSpan.FromMinutes(5));
        PartitionStateInfo info = command.Result!;
        _guard.Restore(info.Partition, info.Watermark, info.PendingEventTimes);
    }

    /// <summary>Runs <paramref name="command"/> on every shard at this point of the stream and waits for it.</summary>
    /// <exception cref="TimeoutException">The shards did not all finish within <paramref name="timeout"/>.</exception>
    /// <exception cref="ShardFailedException">A shard stopped because its output or state could not be written.</exception>
    public void Execute(ShardCommand command, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Volatile.Read(ref _failure) is { } failure)
        {
            ThrowFailed(failure);
        }
        Post(command);
        // In slices, so a shard that failed (and may never reach the command) is reported at once, not at the timeout.
        long deadline = Deadline.After(timeout);
        while (!command.Wait(TimeSpan.FromMilliseconds(Math.Min(100, Math.Max(1, Deadline.RemainingMilliseconds(deadline))))))
        {
            if (Volatile.Read(ref _failure) is { } failed)
            {
                ThrowFailed(failed);
            }
            if (Deadline.RemainingMilliseconds(deadline) <= 0)
            {
                throw new TimeoutException($"The shards did not finish {command.GetType().Name} within {timeout.TotalSeconds:F0} s.");
            }
        }
    }

    // Publishes a command without waiting for it (same thread rules as Submit).
    private void Post(ShardCommand command)
    {
        command.Arm(_shards.Length);
        if (_producerLock is null || !command.UsesProducerState)
        {
            PostNow(command);
            return;
        }
        lock (_producerLock)
        {
            PostNow(command);
        }
    }

    private void PostNow(ShardCommand command)
    {
        // The guard's state at this point of the ring belongs to the command's cut (snapshot, export).
        command.OnPost(_guard);
        long seq = Next();
        ref EngineSlot slot = ref _ring[seq];
        slot.Kind = SlotKind.Command;
        slot.Command = command;
        _ring.Publish(seq);
    }

    /// <summary>
    /// Deletes the state of <paramref name="partitions"/> at this point of the stream (each shard drops the ones it owns)
    /// and forgets their event time, so a partition that comes back is rebuilt from its input. Same thread rules as <see cref="Submit"/>.
    /// </summary>
    /// <exception cref="TimeoutException">The shards did not finish within <paramref name="timeout"/>.</exception>
    public void DropPartitions(IReadOnlyCollection<int> partitions, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (int p in partitions)
        {
            if ((uint)p >= PartitionWatermarks.MaxPartitions)
            {
                throw new ArgumentOutOfRangeException(nameof(partitions), p, $"A partition must be between 0 and {PartitionWatermarks.MaxPartitions - 1}.");
            }
        }
        Execute(new DropPartitionsCommand(partitions), timeout ?? TimeSpan.FromMinutes(5));
    }

    /// <summary>Sums the counters of every shard and the producer's rejections (exact after <see cref="Flush"/>).</summary>
    public AttributionCounters GetCounters()
    {
        var total = new AttributionCounters();
        foreach (var s in _shards)
        {
            total.Add(s.Core.Counters);
        }
        lock (_rejectionLock)
        {
            total.Add(_rejections);
        }
        return total;
    }

    /// <summary>Live state entries (clicks, conversion ids) over all shards; call while flushed and idle.</summary>
    public (long Clicks, long Conversions) StateCounts()
    {
        long c = 0, v = 0;
        foreach (var s in _shards)
        {
            c += s.Core.Clicks.Count;
            v += s.Core.Conversions.Count;
        }
        return (c, v);
    }

    /// <summary>Applies everything submitted, delivers its outputs, stops the shards and closes the state.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        bool failed = Volatile.Read(ref _failure) is not null;
        bool stopped = _pipeline.DrainAndStop(failed ? TimeSpan.FromSeconds(5) : TimeSpan.FromMinutes(5));
        if (failed && !stopped)
        {
            // A shard blocked in FASTER after its log could not be written never returns: its tables cannot be
            // closed under it. The files stay as they are; the last good snapshot is what a restart recovers.
            Log(Options, "The state tables are left open because a failed shard did not stop; restart to recover from the last snapshot.");
            return;
        }
        // A snapshot in flight needs the tables until its manifest is written.
        _snapshots.WaitForInFlight();
        foreach (var s in _shards)
        {
            s.Dispose();
        }
        _directoryLock.Dispose();
        if (_ownsStateDirectory)
        {
            try
            {
                Directory.Delete(_stateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory left behind is harmless; never fail a clean shutdown for it.
            }
        }
    }

    private static EngineOptions Validated(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        return options;
    }

    private static void Log(EngineOptions options, string line) => options.Logger?.Invoke(line);

    private static IWaitStrategy CreateWait(WaitKind kind) => kind switch
    {
        WaitKind.BusySpin => new BusySpinWaitStrategy(),
        WaitKind.Blocking => new BlockingWaitStrategy(),
        WaitKind.Sleeping => new SleepingWaitStrategy(),
        _ => new YieldingWaitStrategy(),
    };
}
