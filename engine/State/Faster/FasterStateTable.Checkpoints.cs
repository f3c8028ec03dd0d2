using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.ExceptionServices;
using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed partial class FasterStateTable
{
    private const uint CookieMagic = 0x46545341; // "ASTF"
    // Version 1 held the entry count; version 2 adds the live records' size.
    private const int CookieVersion = 2;
    private const int CookieBytes = 24;
    private const int CookieBytesV1 = 16;

    // Checkpoint bookkeeping (checkpoint folder, floor files, log truncation) may run on a
    // completing thread while the owner thread sweeps; this lock orders the two. Never on the hot path.
    private readonly object _checkpointLock = new();
    private Guid _pendingCheckpoint;
    private long _pendingCheckpointErrors;
    private long _pendingFloor = long.MaxValue;

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
        _store.CommitCookie = WritesVersion1CookieForTests ? EncodeVersion1Cookie(_count) : EncodeCookie(_count, _liveBytes);
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

    /// <summary>Test hook: checkpoints carry the version 1 metadata (the entry count only), as builds before the live size did.</summary>
    internal bool WritesVersion1CookieForTests { get; set; }

    private static byte[] EncodeVersion1Cookie(long count)
    {
        var cookie = new byte[CookieBytesV1];
        BinaryPrimitives.WriteUInt32LittleEndian(cookie, CookieMagic);
        BinaryPrimitives.WriteInt32LittleEndian(cookie.AsSpan(4), 1);
        BinaryPrimitives.WriteInt64LittleEndian(cookie.AsSpan(8), count);
        return cookie;
    }

    private static byte[] EncodeCookie(long count, long liveBytes)
    {
        var cookie = new byte[CookieBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(cookie, CookieMagic);
        BinaryPrimitives.WriteInt32LittleEndian(cookie.AsSpan(4), CookieVersion);
        BinaryPrimitives.WriteInt64LittleEndian(cookie.AsSpan(8), count);
        BinaryPrimitives.WriteInt64LittleEndian(cookie.AsSpan(16), liveBytes);
        return cookie;
    }

    // The entry count and the live records' size (-1 = not recorded: a version 1 cookie).
    private static (long Count, long LiveBytes) DecodeCookie(byte[]? cookie, string name)
    {
        var version = cookie is { Length: >= CookieBytesV1 } && BinaryPrimitives.ReadUInt32LittleEndian(cookie) == CookieMagic
            ? BinaryPrimitives.ReadInt32LittleEndian(cookie.AsSpan(4))
            : 0;
        if (!(version == 1 && cookie!.Length == CookieBytesV1) && !(version == CookieVersion && cookie!.Length == CookieBytes))
        {
            throw new InvalidDataException($"State table '{name}' recovered a checkpoint without this table's metadata (entry count); it was not written by FasterStateTable.Checkpoint.");
        }
        var count = BinaryPrimitives.ReadInt64LittleEndian(cookie.AsSpan(8));
        return (count, version == 1 ? -1 : BinaryPrimitives.ReadInt64LittleEndian(cookie.AsSpan(16)));
    }
}
