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
/// <see cref="Merge"/> is one FASTER RMW whose callbacks compute the new value from the stored one
/// (so it is sized exactly and, when its size is unchanged, written in place).
/// </para>
/// <para>
/// Counting: <see cref="Upsert"/> and <see cref="Merge"/> are FASTER RMWs whose callbacks report whether the key existed,
/// and <see cref="Delete"/> probes before deleting, so <see cref="Count"/> is exact even for keys
/// whose records are on disk (those operations then wait for one read I/O).
/// </para>
/// </summary>
internal sealed unsafe partial class FasterStateTable : IStateTable
{
    private readonly FasterStateTableOptions _options;
    private readonly MergeRequest _merge = new();
    private readonly IoErrorTrackingDevice _logDevice;
    private readonly DeviceLogCommitCheckpointManager _checkpoints;
    private readonly FasterKV<SpanByte, SpanByte> _store;
    private readonly ClientSession<SpanByte, SpanByte, SpanByte, ValueSink, nint, StateFunctions> _session;

    private long _count;
    // Bytes of the live records (RecordBytes of each live key's value), kept exact by every write and delete;
    // drives compaction. -1 only while a table recovered from a version 1 checkpoint is being opened.
    private long _liveBytes;
    private bool _disposed;

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
                    PreallocateLog = options.PreallocateMemory,
                },
                new CheckpointSettings { CheckpointManager = _checkpoints, RemoveOutdated = false },
                serializerSettings: null,
                comparer: _comparer = comparer ?? new SpanByteComparer(),
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
                (_count, _liveBytes) = DecodeCookie(_store.RecoveredCommitCookie, options.Name);
            }

            _session = _store.For(new StateFunctions(_merge)).NewSession<StateFunctions>(
                new StateFunctions(_merge),
                null,
                new SessionVariableLengthStructSettings<SpanByte, SpanByte>
                {
                    valueLength = new ExactValueLength(_merge),
                    inputLength = new SpanByteVarLenStruct(),
                },
                ReadCopyOptions.None);
            FindIndexForPrefetch();
            if (_liveBytes < 0)
            {
                // A checkpoint from before the live size was recorded: count it once, by a sweep that deletes nothing.
                var keepAll = default(KeepAll);
                Sweep(ref keepAll);
            }
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

    /// <summary>Write errors FASTER's devices reported for this table (FASTER itself carries on after them).</summary>
    public IoErrorLog IoErrors { get; } = new();

    /// <summary>The settings the table was opened with.</summary>
    public FasterStateTableOptions Options => _options;

    /// <inheritdoc />
    public long Count => _count;

    /// <inheritdoc />
    public long StoredBytes => _store.Log.TailAddress - _store.Log.BeginAddress;

    /// <inheritdoc />
    /// <remarks>The log below its head address is no longer in memory.</remarks>
    public long OnDiskBytes => Math.Max(0, _store.Log.HeadAddress - _store.Log.BeginAddress);

    /// <summary>Size of one record in the log for a key and value of these lengths (see the type's remarks).</summary>
    public static int RecordBytes(int keyLength, int valueLength)
        => 8 + Align8(4 + keyLength) + Align8(4 + valueLength);

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
        _stepScan?.Dispose();
        _session.Dispose();
        _store.Dispose();
        _checkpoints.Dispose();
        _logDevice.Dispose();
        if (_options.DeleteOnDispose && System.IO.Directory.Exists(_options.TableDirectory))
        {
            System.IO.Directory.Delete(_options.TableDirectory, recursive: true);
        }
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

    private readonly struct KeepAll : IStateSweeper
    {
        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => false;
    }
}
