using Attribution.Engine.Attribution;
using Attribution.Engine.Ring;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// The engine: a source thread submits records, which are decoded straight into preallocated ring
/// slots; N shard threads apply the events of their partitions
/// to their FASTER state and hand attributions to an <see cref="IEngineOutput"/>.
/// </summary>
/// <remarks>
/// Thread rules: <see cref="Submit"/> from one thread at a time unless <see cref="EngineOptions.MultiProducer"/>;
/// <see cref="Snapshot"/>, <see cref="SnapshotAsync"/>, <see cref="SnapshotIfDue"/>,
/// <see cref="SetSilentUntil"/>, <see cref="Flush"/>, <see cref="FindLastClick"/> and the partition commands publish through the
/// ring too, so in single-producer mode call them from the submitting thread (or serialise them with
/// it, as the C ABI does); periodic snapshots are started by <see cref="Submit"/> itself;
/// <see cref="GetCounters"/> from any thread;
/// <see cref="Dispose"/> once, after submitters stopped. Outputs arrive on shard threads.
/// <para>
/// Snapshots and recovery (docs/SNAPSHOTS.md): <see cref="Open"/> loads the newest snapshot of the state
/// directory that verifies; the caller then resubmits input from <see cref="RecoveredSnapshot"/>'s
/// positions, with <see cref="SetSilentUntil"/> for the range whose outputs were already delivered.
/// </para>
/// </remarks>
public sealed partial class AttributionEngine : IDisposable
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
            SnapshotStorage storage = recover?.Storage ?? options.ToSnapshotStorage();
            if (recover is not null && storage != options.ToSnapshotStorage())
            {
                Log(options, $"Snapshot {recover.Sequence} was written with state table sizes {storage}; they are used instead of the configured {options.ToSnapshotStorage()}.");
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
                var clickOptions = TableOptions(dir, "clicks", storage.IndexBuckets, storage.ClickMemoryBytes);
                var conversionOptions = TableOptions(dir, "conversions", storage.ConversionIndexBuckets, storage.ConversionMemoryBytes);
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

    private FasterStateTableOptions TableOptions(string directory, string name, long indexBuckets, long memoryBytes) => new()
    {
        Directory = directory,
        Name = name,
        IndexBuckets = indexBuckets,
        MemoryBytes = memoryBytes,
        // A log that outgrew its memory budget is worth compacting, also under the default minimum.
        CompactionMinLogBytes = Math.Min(FasterStateTableOptions.DefaultCompactionMinLogBytes, memoryBytes),
        DeleteOnDispose = _ownsStateDirectory,
        // The shard thread never stops to allocate and fault in a log page (measured: 126 B/event of page
        // allocations and 0.72-0.97M events/s with 2 shards in bench engine, against 0 B and 1.17-1.19M preallocated).
        PreallocateMemory = true,
    };

    /// <summary>The options the engine was opened with.</summary>
    public EngineOptions Options { get; }

    /// <summary>The shards (their state may be read only while the engine is flushed and idle).</summary>
    internal IReadOnlyList<ShardHandler> Shards => _shards;

    /// <summary>Per shard: the sizes of its tables and what its sweeps removed; call while flushed and idle.</summary>
    internal ShardStateStats[] ShardStats()
    {
        var stats = new ShardStateStats[_shards.Length];
        for (int i = 0; i < stats.Length; i++)
        {
            ShardHandler s = _shards[i];
            stats[i] = new ShardStateStats(s.Index, s.Core.Clicks.GetStats(), s.Core.Conversions.GetStats(), s.Sweeps, s.Expired);
        }
        return stats;
    }

    /// <summary>The state directory in use.</summary>
    public string StateDirectory => _stateDirectory;

    /// <summary>Handler exceptions so far (each one an event that could not be applied; see <see cref="RecentFaults"/>).</summary>
    public long FaultCount => _faults.FaultCount;

    /// <summary>
    /// Outputs the shards computed but did not deliver because they re-derive outputs already committed (silent replay
    /// after a rebuild); read by the shards' threads without a lock, so a figure for monitoring, not an exact count.
    /// </summary>
    public long SilencedOutputs
    {
        get
        {
            long total = 0;
            foreach (var shard in _shards)
            {
                total += shard.SilencedOutputs;
            }
            return total;
        }
    }

    /// <summary>The most recent handler faults.</summary>
    public HandlerFault[] RecentFaults() => _faults.RecentFaults();

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
