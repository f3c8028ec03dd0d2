using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.ExceptionServices;
using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// An <see cref="IStateTable"/> on Microsoft FASTER: a <c>FasterKV&lt;SpanByte, SpanByte&gt;</c> whose
/// keys and values live inline in the hybrid log (memory, then log segment files on disk), with
/// one client session held for the table's life. Owned by one shard thread.
/// <para>
/// Record layout (FASTER's variable-length blittable allocator, 8-byte alignment):
/// <c>[RecordInfo 8][key length 4][key bytes][pad to 8][value length 4][value bytes][pad to 8]</c>,
/// i.e. <see cref="RecordBytes"/> = <c>8 + align8(4 + key) + align8(4 + value)</c>. A click entry with
/// upstream-sized ids — key <c>[2-byte partition][1][36-char user_id]["camp-NNNNN"]</c> = 49 B, value
/// <c>[count][i64 ts][len][36-char event id][len]["ad-NNNNN"][len]["facebook"]</c> = 64 B — costs
/// 8 + 56 + 72 = 136 B of log. The hash index adds <see cref="FasterStateTableOptions.IndexBuckets"/>
/// × 64 B (7 entries per bucket) plus overflow buckets for full ones: 14.9 B per key measured at
/// 10M keys in 2^21 buckets. Log memory is allocated in pages of up to 4 MiB, so the tail wastes
/// at most one page. Measured total at 10M clicks, all in memory: 152 B per click.
/// An update that changes a value's size appends a new record (the old one is garbage until
/// compaction); a same-size update is done in place while the record is in the mutable region.
/// </para>
/// <para>
/// Counting: <see cref="Upsert"/> is a FASTER RMW whose callbacks report whether the key existed,
/// and <see cref="Delete"/> probes before deleting, so <see cref="Count"/> is exact even for keys
/// whose records are on disk (those operations then wait for one read I/O).
/// </para>
/// </summary>
public sealed unsafe class FasterStateTable : IStateTable
{
    private const uint CookieMagic = 0x46545341; // "ASTF"
    private const int CookieVersion = 1;
    private const int CookieBytes = 16;

    private readonly FasterStateTableOptions _options;
    private readonly IoErrorTrackingDevice _logDevice;
    private readonly DeviceLogCommitCheckpointManager _checkpoints;
    private readonly FasterKV<SpanByte, SpanByte> _store;
    private readonly ClientSession<SpanByte, SpanByte, SpanByte, ValueSink, nint, StateFunctions> _session;

    private long _count;
    // Bytes of the live records as of the last sweep (-1 = unknown); drives compaction.
    private long _liveBytes = -1;
    // Keys a sweep selected, packed end to end; reused across sweeps.
    private byte[] _sweepKeys = new byte[64 * 1024];
    private int[] _sweepKeyEnds = new int[1024];
    private SweepProbeBatch? _sweepBatch;
    private bool _disposed;

    // Checkpoint bookkeeping (checkpoint folder, floor files, log truncation) may run on a
    // completing thread while the owner thread sweeps; this lock orders the two. Never on the hot path.
    private readonly object _checkpointLock = new();
    private Guid _pendingCheckpoint;
    private long _pendingCheckpointErrors;
    private long _pendingFloor = long.MaxValue;

    private FasterStateTable(FasterStateTableOptions options, IFasterEqualityComparer<SpanByte>? comparer, bool recover, Guid? token)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;

        if (recover)
        {
            if (!System.IO.Directory.Exists(options.CheckpointDirectory))
            {
                throw new InvalidOperationException($"State table '{options.Name}' has no checkpoint folder at '{options.CheckpointDirectory}' to recover from.");
            }
            if (token is { } wanted && MissingCheckpointFile(options.CheckpointDirectory, wanted) is { } missing)
            {
                // Checked here because FASTER would create the missing file empty (and its folder) and then fail on it.
                throw new InvalidOperationException($"State table '{options.Name}' checkpoint {wanted} is incomplete: '{missing}' is missing.");
            }
            // Removals a crash interrupted are finished; the folders in the trash are no checkpoints any more.
            CheckpointFolders.EmptyTrash(options.CheckpointDirectory);
        }
        else
        {
            // A new table starts empty: files of an earlier table of this name are not state.
            CheckpointFolders.DeleteFolder(options.TableDirectory);
        }
        System.IO.Directory.CreateDirectory(options.LogDirectory);
        System.IO.Directory.CreateDirectory(options.CheckpointDirectory);

        _logDevice = new IoErrorTrackingDevice(
            Devices.CreateLogDevice(
                Path.Combine(options.LogDirectory, "hlog"),
                preallocateFile: false,
                deleteOnClose: false,
                capacity: Devices.CAPACITY_UNSPECIFIED,
                recoverDevice: recover),
            IoErrors,
            checkpoint: false);
        _checkpoints = new DeviceLogCommitCheckpointManager(
            new IoErrorTrackingDeviceFactory(new LocalStorageNamedDeviceFactory(), IoErrors),
            new DefaultCheckpointNamingScheme(options.CheckpointDirectory),
            removeOutdated: false);
        try
        {
            _store = new FasterKV<SpanByte, SpanByte>(
                options.IndexBuckets,
                new LogSettings
                {
                    LogDevice = _logDevice,
                    PageSizeBits = options.PageBits,
                    MemorySizeBits = options.MemoryBits,
                    SegmentSizeBits = options.SegmentBits,
                    MutableFraction = options.MutableFraction,
                    ReadCopyOptions = ReadCopyOptions.None,
                },
                new CheckpointSettings { CheckpointManager = _checkpoints, RemoveOutdated = false },
                serializerSettings: null,
                comparer: comparer ?? new SpanByteComparer(),
                variableLengthStructSettings: new VariableLengthStructSettings<SpanByte, SpanByte>
                {
                    keyLength = new SpanByteVarLenStruct(),
                    valueLength = new SpanByteVarLenStruct(),
                },
                tryRecoverLatest: false,
                // One thread owns the table: FASTER's record locking would only cost time.
                concurrencyControlMode: ConcurrencyControlMode.None);

            if (recover)
            {
                var stored = _checkpoints.GetLogCheckpointTokens().ToList();
                if (stored.Count == 0)
                {
                    throw new InvalidOperationException($"State table '{options.Name}' has no checkpoint in '{options.CheckpointDirectory}' to recover from.");
                }
                if (token is { } t && !stored.Contains(t))
                {
                    throw new InvalidOperationException($"State table '{options.Name}' has no checkpoint {t} in '{options.CheckpointDirectory}'.");
                }
                if (token is { } t2)
                {
                    _store.Recover(t2);
                }
                else
                {
                    _store.Recover();
                }
                _count = DecodeCookie(_store.RecoveredCommitCookie, options.Name);
            }

            _session = _store.For(new StateFunctions()).NewSession<StateFunctions>(
                new StateFunctions(),
                null,
                new SessionVariableLengthStructSettings<SpanByte, SpanByte>
                {
                    valueLength = ExactValueLength.Instance,
                    inputLength = new SpanByteVarLenStruct(),
                },
                ReadCopyOptions.None);
        }
        catch
        {
            _store?.Dispose();
            _checkpoints.Dispose();
            _logDevice.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates an empty table in <c>options.Directory/options.Name</c>. Files an earlier table of
    /// the same name left there (log and checkpoints) are deleted first.
    /// </summary>
    public static FasterStateTable Create(FasterStateTableOptions options) => new(options, null, recover: false, token: null);

    /// <summary>
    /// Opens the table in <c>options.Directory/options.Name</c> at a checkpoint: the given
    /// <paramref name="token"/>, or the latest one. Its contents and <see cref="Count"/> are exactly
    /// those at the checkpoint; anything written after it is discarded.
    /// </summary>
    public static FasterStateTable Recover(FasterStateTableOptions options, Guid? token = null) => new(options, null, recover: true, token);

    /// <summary>Test hook: a new table whose keys hash with <paramref name="comparer"/> (e.g. to force collisions).</summary>
    internal static FasterStateTable CreateWithComparer(FasterStateTableOptions options, IFasterEqualityComparer<SpanByte> comparer)
        => new(options, comparer, recover: false, token: null);

    /// <summary>Tokens of the checkpoints stored for the table described by <paramref name="options"/>, newest first.</summary>
    public static IReadOnlyList<Guid> ListCheckpoints(FasterStateTableOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!System.IO.Directory.Exists(options.CheckpointDirectory))
        {
            return [];
        }
        using var manager = new DeviceLogCommitCheckpointManager(
            new LocalStorageNamedDeviceFactory(),
            new DefaultCheckpointNamingScheme(options.CheckpointDirectory),
            removeOutdated: false);
        return [.. manager.GetLogCheckpointTokens()];
    }

    // The metadata files FASTER reads first when it recovers a checkpoint; null when both are there.
    private static string? MissingCheckpointFile(string checkpointDirectory, Guid token)
    {
        var naming = new DefaultCheckpointNamingScheme(checkpointDirectory);
        foreach (var file in new[] { naming.LogCheckpointMetadata(token), naming.IndexCheckpointMetadata(token) })
        {
            var path = Path.Combine(checkpointDirectory, file.directoryName, file.fileName + ".0");
            if (!File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }

    /// <summary>Write errors FASTER's devices reported for this table (FASTER itself carries on after them).</summary>
    public IoErrorLog IoErrors { get; } = new();

    /// <summary>The settings the table was opened with.</summary>
    public FasterStateTableOptions Options => _options;

    /// <inheritdoc />
    public long Count => _count;

    /// <summary>Size of one record in the log for a key and value of these lengths (see the type's remarks).</summary>
    public static int RecordBytes(int keyLength, int valueLength)
        => 8 + Align8(4 + keyLength) + Align8(4 + valueLength);

    /// <inheritdoc />
    public int Read(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        CheckKey(key);
        var sink = default(ValueSink);
        fixed (byte* k = key)
        fixed (byte* d = destination)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            sink = ValueSink.For(d, destination.Length);
            ReadInto(ref keyBytes, ref sink);
        }
        if (sink.Length > destination.Length)
        {
            FasterThrow.DestinationTooSmall(destination.Length, sink.Length);
        }
        return sink.Length;
    }

    /// <inheritdoc />
    public void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        CheckKey(key);
        if (value.Length > IStateTable.MaxValueBytes)
        {
            FasterThrow.ValueTooLong(value.Length);
        }
        byte empty = 0;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            // An empty span pins to null, which SpanByte reads as "invalid": point it anywhere valid.
            var input = SpanByte.FromPointer(v == null ? &empty : v, value.Length);
            var sink = ValueSink.Probe();
            var status = _session.RMW(ref keyBytes, ref input, ref sink, (nint)(&sink), 0);
            if (status.IsPending)
            {
                CompletePending();
            }
            else if (status.IsFaulted || status.IsCanceled)
            {
                FasterThrow.OperationFailed("upsert", status);
            }
            if (sink.Length < 0)
            {
                _count++;
            }
        }
    }

    /// <inheritdoc />
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* k = key)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            var probe = ValueSink.Probe();
            ReadInto(ref keyBytes, ref probe);
            if (probe.Length < 0)
            {
                return false;
            }
            DeleteExisting(ref keyBytes);
            return true;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Scans the log from its begin address to the tail; a record is visited when it is the live
    /// version of its key (a lookup finds that very record and it is not a tombstone). Keys to
    /// delete are collected and deleted after the scan. Then, when the log has grown past
    /// <see cref="FasterStateTableOptions.CompactionTrigger"/> × the live records' size, the
    /// read-only part is compacted and the log files below the new begin address are deleted.
    /// </remarks>
    public long Sweep<TSweeper>(ref TSweeper sweeper) where TSweeper : struct, IStateSweeper
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var batch = _sweepBatch ??= new SweepProbeBatch();
        var progress = default(SweepProgress);
        using (var scan = _store.Log.Scan(_store.Log.BeginAddress, _store.Log.TailAddress))
        {
            while (scan.GetNext(out var recordInfo))
            {
                if (recordInfo.Tombstone)
                {
                    continue;
                }
                var slot = batch.Add(scan.GetKey().AsReadOnlySpan(), scan.GetValue().AsReadOnlySpan(), scan.CurrentAddress);
                if (StartProbe(batch, slot))
                {
                    Decide(ref sweeper, batch, slot, ref progress);
                    batch.RemoveLast();
                }
                else if (batch.IsFull)
                {
                    FinishProbes(ref sweeper, batch, ref progress);
                }
            }
            FinishProbes(ref sweeper, batch, ref progress);
        }

        var start = 0;
        for (var i = 0; i < progress.Selected; i++)
        {
            var end = _sweepKeyEnds[i];
            fixed (byte* k = &_sweepKeys[start])
            {
                var keyBytes = SpanByte.FromPointer(k, end - start);
                DeleteExisting(ref keyBytes);
            }
            start = end;
        }

        _liveBytes = progress.LiveBytes;
        MaybeCompact();
        return progress.Selected;
    }

    // Looks the record's key up; true when the answer is already in the slot's sink, false when
    // the lookup went pending (the record's newest version is on disk).
    private bool StartProbe(SweepProbeBatch batch, int slot)
    {
        ref var sink = ref batch.Sink(slot);
        var input = default(SpanByte);
        var readOptions = default(ReadOptions);
        fixed (byte* k = batch.Key(slot))
        fixed (ValueSink* context = &sink)
        {
            var key = SpanByte.FromPointer(k, batch.Key(slot).Length);
            var status = _session.Read(ref key, ref input, ref sink, ref readOptions, out var metadata, (nint)context, 0);
            if (status.IsPending)
            {
                return false;
            }
            if (status.IsFaulted || status.IsCanceled)
            {
                FasterThrow.OperationFailed("read", status);
            }
            if (!status.Found)
            {
                sink.Length = -1;
            }
            sink.Address = metadata.Address;
            return true;
        }
    }

    private void FinishProbes<TSweeper>(ref TSweeper sweeper, SweepProbeBatch batch, ref SweepProgress progress)
        where TSweeper : struct, IStateSweeper
    {
        if (batch.Count == 0)
        {
            return;
        }
        CompletePending();
        for (var slot = 0; slot < batch.Count; slot++)
        {
            Decide(ref sweeper, batch, slot, ref progress);
        }
        batch.Clear();
    }

    // A record is the live version of its key when a lookup of the key ends on that very record.
    private void Decide<TSweeper>(ref TSweeper sweeper, SweepProbeBatch batch, int slot, ref SweepProgress progress)
        where TSweeper : struct, IStateSweeper
    {
        ref var sink = ref batch.Sink(slot);
        if (sink.Length < 0 || sink.Address != batch.Address(slot))
        {
            return; // an older version of a key, or a deleted key
        }
        var key = batch.Key(slot);
        var value = batch.Value(slot);
        if (sweeper.ShouldDelete(key, value))
        {
            AppendSweepKey(key, ref progress);
        }
        else
        {
            progress.LiveBytes += RecordBytes(key.Length, value.Length);
        }
    }

    private struct SweepProgress
    {
        public int Selected;
        public int PackedBytes;
        public long LiveBytes;
    }

    /// <summary>
    /// Compacts the read-only part of the log: live records there are copied to the tail, the
    /// begin address moves past them, and log segment files wholly below it are deleted.
    /// Returns false when there was nothing to compact. Called by <see cref="Sweep{TSweeper}"/>
    /// when the log has grown enough; callable directly.
    /// </summary>
    public bool CompactLog()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var until = _store.Log.SafeReadOnlyAddress;
        if (until <= _store.Log.BeginAddress)
        {
            return false;
        }
        _session.Compact(until, CompactionType.Lookup);
        TruncateLogFiles();
        return true;
    }

    // Deletes log segment files wholly below the begin address, but never below the begin
    // address of a stored checkpoint: recovering it reads the log from there.
    private void TruncateLogFiles()
    {
        lock (_checkpointLock)
        {
            TruncateLogFilesLocked();
        }
    }

    private void TruncateLogFilesLocked()
    {
        var floor = Math.Min(_store.Log.BeginAddress, _pendingFloor);
        foreach (var token in _checkpoints.GetLogCheckpointTokens())
        {
            floor = Math.Min(floor, ReadCheckpointFloor(token));
        }
        _logDevice.Inner.TruncateUntilAddress(floor);
    }

    private string CheckpointFloorPath(Guid token)
        => Path.Combine(_options.CheckpointDirectory, "log-floors", token.ToString("N"));

    private long ReadCheckpointFloor(Guid token)
    {
        var path = CheckpointFloorPath(token);
        // A checkpoint without a (complete) floor file was not finished by this class: protect all of its log.
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        return bytes.Length == sizeof(long) ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;
    }

    /// <summary>
    /// Takes a full checkpoint (hash index and hybrid-log snapshot) into the checkpoint folder and
    /// waits for it to be durable. The count is stored with it. Returns the checkpoint's token.
    /// Same as <see cref="BeginCheckpoint"/> then <see cref="CompleteCheckpoint"/>.
    /// <para>
    /// Retention: log files are deleted only by the table itself (compaction, <see cref="RemoveCheckpoint"/>)
    /// and never below the log floor of a stored checkpoint, so every stored checkpoint stays
    /// recoverable however much is compacted after it, until <see cref="RemoveCheckpoint"/>. (FASTER's
    /// own deletion of segments below the begin address at each checkpoint is not passed to the disk:
    /// it would break older checkpoints before the new one is known to be complete.)
    /// </para>
    /// </summary>
    public Guid Checkpoint()
    {
        var token = BeginCheckpoint();
        CompleteCheckpoint(token, Timeout.InfiniteTimeSpan);
        return token;
    }

    /// <summary>
    /// Starts a full checkpoint of the table as it is now and returns as soon as the table's
    /// session has moved to the next version, i.e. without waiting for anything to be written.
    /// FASTER's CPR versioning keeps the checkpoint exact: operations after this call belong to the
    /// next version (a record of the checkpointed version is copied, never updated in place, until
    /// the checkpoint is durable), so the checkpoint holds the table exactly as of this call.
    /// Call on the owner thread, one checkpoint at a time; finish with <see cref="CompleteCheckpoint"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A checkpoint is in progress, or FASTER would not start one.</exception>
    public Guid BeginCheckpoint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_checkpointLock)
        {
            if (_pendingCheckpoint != Guid.Empty)
            {
                throw new InvalidOperationException($"State table '{_options.Name}' could not start a checkpoint: checkpoint {_pendingCheckpoint} is not completed yet.");
            }
            // Until the floor file of the new checkpoint exists, its log is protected from truncation by this.
            _pendingFloor = _store.Log.BeginAddress;
            _pendingCheckpointErrors = IoErrors.CheckpointWriteErrors;
        }
        var version = _store.SystemState.Version;
        _store.CommitCookie = EncodeCookie(_count);
        if (!_store.TryInitiateFullCheckpoint(out var token, CheckpointType.Snapshot))
        {
            lock (_checkpointLock)
            {
                _pendingFloor = long.MaxValue;
            }
            throw new InvalidOperationException($"State table '{_options.Name}' could not start a checkpoint: another one is in progress.");
        }
        lock (_checkpointLock)
        {
            _pendingCheckpoint = token;
        }

        // The version moves on once every active session acknowledged the checkpoint; this table's
        // only session is ours, so refreshing it drives the switch. One more refresh after the
        // global version moved puts our session itself into the new version.
        var spins = 0;
        while (_store.SystemState.Version <= version)
        {
            _session.Refresh();
            if (++spins > 64)
            {
                Thread.Yield();
            }
            if (spins > 1_000_000)
            {
                throw new InvalidOperationException($"State table '{_options.Name}' checkpoint {token} did not move to the next version.");
            }
        }
        _session.Refresh();
        return token;
    }

    /// <summary>
    /// Waits until the checkpoint started by <see cref="BeginCheckpoint"/> is durable (index, log
    /// snapshot and metadata written), then records its log floor (see <see cref="Checkpoint"/>).
    /// A checkpoint whose writes failed is removed and reported. May run on any thread while the owner thread
    /// keeps using the table: FASTER's state machine is designed to be completed from outside.
    /// </summary>
    /// <exception cref="TimeoutException">The checkpoint did not complete within <paramref name="timeout"/>.</exception>
    public void CompleteCheckpoint(Guid token, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long floor;
        lock (_checkpointLock)
        {
            if (_pendingCheckpoint != token)
            {
                throw new InvalidOperationException($"State table '{_options.Name}' has no checkpoint {token} in progress.");
            }
            floor = _pendingFloor;
        }
        try
        {
            if (!_store.CompleteCheckpointAsync().AsTask().Wait(timeout))
            {
                throw new TimeoutException($"State table '{_options.Name}' checkpoint {token} was not durable within {timeout.TotalSeconds:F0} s.");
            }
        }
        catch (Exception e)
        {
            if (_store.SystemState.Phase == Phase.REST)
            {
                // FASTER gave up on this checkpoint: a new one may start.
                lock (_checkpointLock)
                {
                    _pendingCheckpoint = Guid.Empty;
                    _pendingFloor = long.MaxValue;
                }
            }
            if (e is AggregateException { InnerExceptions.Count: 1 } a)
            {
                ExceptionDispatchInfo.Capture(a.InnerExceptions[0]).Throw();
            }
            throw;
        }

        lock (_checkpointLock)
        {
            try
            {
                // FASTER completes a checkpoint whose writes failed; such a checkpoint is not durable.
                if (IoErrors.CheckpointWriteErrors != _pendingCheckpointErrors || IoErrors.LogWriteErrors != 0)
                {
                    PurgeQuietly(token);
                    throw new IOException(IoErrors.CheckpointWriteErrors != _pendingCheckpointErrors
                        ? $"State table '{_options.Name}' checkpoint {token} could not be written ({IoErrors.LastError})."
                        : $"State table '{_options.Name}' cannot take a durable checkpoint because a write to its log failed earlier ({IoErrors.LastError}).");
                }
                var floorPath = CheckpointFloorPath(token);
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(floorPath)!);
                var bytes = new byte[sizeof(long)];
                BinaryPrimitives.WriteInt64LittleEndian(bytes, floor);
                // Atomically: a crash must not leave a short floor file (it would read as "protect nothing").
                Snapshots.DurableFiles.WriteAtomically(floorPath, bytes);
            }
            finally
            {
                _pendingCheckpoint = Guid.Empty;
                _pendingFloor = long.MaxValue;
            }
        }
    }

    // Removes a checkpoint that failed; a failure to remove it (the disk that failed it) must not
    // hide the original error, and the leftover is unlisted garbage for a later RemoveCheckpoint.
    private void PurgeQuietly(Guid token)
    {
        try
        {
            CheckpointFolders.Remove(_options.CheckpointDirectory, token);
            CheckpointFolders.EmptyTrash(_options.CheckpointDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// The files a stored checkpoint consists of: the files of its checkpoint folders (whole) and
    /// the log segment files it reads on recovery, each with the number of leading bytes that
    /// belong to it (segments keep growing after the checkpoint; their prefix never changes).
    /// Paths are absolute. Any thread.
    /// </summary>
    public IReadOnlyList<CheckpointFile> CheckpointFiles(Guid token)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = new HybridLogRecoveryInfo();
        lock (_checkpointLock)
        {
            if (MissingCheckpointFile(_options.CheckpointDirectory, token) is { } missing)
            {
                // FASTER would create the missing metadata file (and its folder) empty: a removed checkpoint would reappear.
                throw new InvalidOperationException($"State table '{_options.Name}' has no complete checkpoint {token} ('{missing}' is missing).");
            }
            var metadata = _checkpoints.GetLogCheckpointMetadata(token, null, false, -1)
                ?? throw new InvalidOperationException($"State table '{_options.Name}' has no checkpoint {token}.");
            using var reader = new StreamReader(new MemoryStream(metadata));
            info.Initialize(reader);
        }
        var naming = new DefaultCheckpointNamingScheme(_options.CheckpointDirectory);
        var files = new List<CheckpointFile>();
        foreach (var folder in new[] { naming.IndexCheckpointBase(token).directoryName, naming.LogCheckpointBase(token).directoryName }.Select(d => Path.Combine(_options.CheckpointDirectory, d)))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
            {
                files.Add(new CheckpointFile(file, new FileInfo(file).Length, IsPrefix: false));
            }
        }
        // Recovery reads the main log from the begin address up to the address that was flushed
        // when the checkpoint started; the snapshot file holds everything from there on.
        var segmentBytes = 1L << _options.SegmentBits;
        var mainLogEnd = info.useSnapshotFile != 0 ? info.snapshotStartFlushedLogicalAddress : info.finalLogicalAddress;
        if (mainLogEnd > info.beginAddress)
        {
            for (var segment = info.beginAddress >> _options.SegmentBits; segment <= (mainLogEnd - 1) >> _options.SegmentBits; segment++)
            {
                var end = Math.Min(segmentBytes, mainLogEnd - (segment << _options.SegmentBits));
                files.Add(new CheckpointFile(Path.Combine(_options.LogDirectory, "hlog." + segment.ToString(CultureInfo.InvariantCulture)), end, IsPrefix: true));
            }
        }
        return files;
    }

    /// <summary>Tokens of this table's stored checkpoints, newest first.</summary>
    public IReadOnlyList<Guid> CheckpointTokens()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_checkpointLock)
        {
            return [.. _checkpoints.GetLogCheckpointTokens()];
        }
    }

    /// <summary>
    /// Deletes the stored checkpoint <paramref name="token"/> and the log files only it still needed.
    /// </summary>
    public void RemoveCheckpoint(Guid token)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_checkpointLock)
        {
            CheckpointFolders.Remove(_options.CheckpointDirectory, token);
            File.Delete(CheckpointFloorPath(token));
            TruncateLogFilesLocked();
        }
        CheckpointFolders.EmptyTrash(_options.CheckpointDirectory);
    }

    /// <summary>
    /// Deletes every checkpoint except <paramref name="keep"/>, including the folders of checkpoints
    /// a crash interrupted before FASTER listed them (an index folder without a log folder, or a
    /// log folder without metadata), their floor files and what the trash holds, then the log files no
    /// kept checkpoint needs. Not while a checkpoint is in progress. Returns the number of checkpoints deleted.
    /// </summary>
    public int RemoveCheckpointsExcept(IReadOnlySet<Guid> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var naming = new DefaultCheckpointNamingScheme(_options.CheckpointDirectory);
        var found = new HashSet<Guid>(_checkpoints.GetLogCheckpointTokens());
        foreach (var basePath in new[] { naming.IndexCheckpointBasePath(), naming.LogCheckpointBasePath() })
        {
            var folder = Path.Combine(_options.CheckpointDirectory, basePath);
            if (System.IO.Directory.Exists(folder))
            {
                foreach (var sub in System.IO.Directory.EnumerateDirectories(folder))
                {
                    if (Guid.TryParse(Path.GetFileName(sub), out var token))
                    {
                        found.Add(token);
                    }
                }
            }
        }
        var removed = 0;
        lock (_checkpointLock)
        {
            if (_pendingCheckpoint != Guid.Empty)
            {
                throw new InvalidOperationException($"State table '{_options.Name}' cannot remove checkpoints while checkpoint {_pendingCheckpoint} is in progress.");
            }
            foreach (var token in found)
            {
                if (!keep.Contains(token))
                {
                    CheckpointFolders.Remove(_options.CheckpointDirectory, token);
                    File.Delete(CheckpointFloorPath(token));
                    removed++;
                }
            }
            // Floor files whose checkpoints are gone (a removal a crash interrupted) go too.
            var floors = Path.GetDirectoryName(CheckpointFloorPath(Guid.Empty))!;
            if (System.IO.Directory.Exists(floors))
            {
                foreach (var file in System.IO.Directory.EnumerateFiles(floors).ToList())
                {
                    if (!Guid.TryParseExact(Path.GetFileName(file), "N", out var token) || !keep.Contains(token))
                    {
                        File.Delete(file);
                    }
                }
            }
            TruncateLogFilesLocked();
        }
        CheckpointFolders.EmptyTrash(_options.CheckpointDirectory);
        return removed;
    }

    /// <summary>Sizes of the index, the log and its files (for metrics and benchmarks; not free: it lists files).</summary>
    public FasterStateTableStats GetStats()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long fileBytes = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(_options.LogDirectory))
        {
            try
            {
                fileBytes += new FileInfo(file).Length;
            }
            catch (FileNotFoundException)
            {
                // Truncation deletes segment files in the background; a vanished file holds nothing.
            }
        }
        return new FasterStateTableStats(
            Count: _count,
            IndexBytes: _store.IndexSize * 64,
            OverflowBucketBytes: _store.OverflowBucketCount * 64,
            LogMemoryBytes: _store.Log.MemorySizeBytes,
            LogBeginAddress: _store.Log.BeginAddress,
            LogHeadAddress: _store.Log.HeadAddress,
            LogReadOnlyAddress: _store.Log.SafeReadOnlyAddress,
            LogTailAddress: _store.Log.TailAddress,
            LogFileBytes: fileBytes,
            LiveRecordBytes: _liveBytes);
    }

    /// <summary>Disposes the session and the store; deletes the table's folder when <see cref="FasterStateTableOptions.DeleteOnDispose"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _session.Dispose();
        _store.Dispose();
        _checkpoints.Dispose();
        _logDevice.Dispose();
        if (_options.DeleteOnDispose && System.IO.Directory.Exists(_options.TableDirectory))
        {
            System.IO.Directory.Delete(_options.TableDirectory, recursive: true);
        }
    }

    private void ReadInto(ref SpanByte key, ref ValueSink sink)
    {
        var readOptions = default(ReadOptions);
        ReadInto(ref key, ref sink, ref readOptions);
    }

    // Reads (or probes) a key; sink.Address receives the address of the record the search ended
    // on (also for a tombstone), 0 when it found none.
    private void ReadInto(ref SpanByte key, ref ValueSink sink, ref ReadOptions readOptions)
    {
        var input = default(SpanByte);
        fixed (ValueSink* context = &sink)
        {
            var status = _session.Read(ref key, ref input, ref sink, ref readOptions, out var metadata, (nint)context, 0);
            if (status.IsPending)
            {
                CompletePending();
                return;
            }
            if (status.IsFaulted || status.IsCanceled)
            {
                FasterThrow.OperationFailed("read", status);
            }
            if (!status.Found)
            {
                sink.Length = -1;
            }
            sink.Address = metadata.Address;
        }
    }

    private void DeleteExisting(ref SpanByte key)
    {
        var status = _session.Delete(ref key, 0, 0);
        if (status.IsPending)
        {
            CompletePending();
        }
        else if (status.IsFaulted || status.IsCanceled)
        {
            FasterThrow.OperationFailed("delete", status);
        }
        _count--;
    }

    // Records on disk make an operation go pending; the table is synchronous, so wait for the I/O.
    // Completion callbacks write results through the context pointer to the caller's sink.
    private void CompletePending() => _session.CompletePending(wait: true);

    private void MaybeCompact()
    {
        var logBytes = _store.Log.TailAddress - _store.Log.BeginAddress;
        if (_liveBytes < 0 || logBytes < _options.CompactionMinLogBytes || logBytes < _options.CompactionTrigger * _liveBytes)
        {
            return;
        }
        CompactLog();
    }

    private void AppendSweepKey(ReadOnlySpan<byte> key, ref SweepProgress progress)
    {
        var packed = progress.PackedBytes;
        if (packed + key.Length > _sweepKeys.Length)
        {
            Array.Resize(ref _sweepKeys, Math.Max(_sweepKeys.Length * 2, packed + key.Length));
        }
        if (progress.Selected == _sweepKeyEnds.Length)
        {
            Array.Resize(ref _sweepKeyEnds, _sweepKeyEnds.Length * 2);
        }
        key.CopyTo(_sweepKeys.AsSpan(packed));
        progress.PackedBytes = packed + key.Length;
        _sweepKeyEnds[progress.Selected++] = progress.PackedBytes;
    }

    private void CheckKey(ReadOnlySpan<byte> key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (key.IsEmpty || key.Length > IStateTable.MaxKeyBytes)
        {
            FasterThrow.BadKeyLength(key.Length);
        }
    }

    private static int Align8(int n) => (n + 7) & ~7;

    private static byte[] EncodeCookie(long count)
    {
        var cookie = new byte[CookieBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(cookie, CookieMagic);
        BinaryPrimitives.WriteInt32LittleEndian(cookie.AsSpan(4), CookieVersion);
        BinaryPrimitives.WriteInt64LittleEndian(cookie.AsSpan(8), count);
        return cookie;
    }

    private static long DecodeCookie(byte[]? cookie, string name)
    {
        if (cookie is null || cookie.Length != CookieBytes
            || BinaryPrimitives.ReadUInt32LittleEndian(cookie) != CookieMagic
            || BinaryPrimitives.ReadInt32LittleEndian(cookie.AsSpan(4)) != CookieVersion)
        {
            throw new InvalidDataException($"State table '{name}' recovered a checkpoint without this table's metadata (entry count); it was not written by FasterStateTable.Checkpoint.");
        }
        return BinaryPrimitives.ReadInt64LittleEndian(cookie.AsSpan(8));
    }
}
