namespace Attribution.Engine.State.Faster;

/// <summary>
/// Write errors FASTER's devices reported for one table. FASTER logs a failed write (e.g. a full
/// disk) and carries on, so a checkpoint can "complete" with files that were never written; the
/// table counts the errors here and refuses to call such a checkpoint durable. Thread-safe.
/// </summary>
internal sealed class IoErrorLog
{
    private long _logWriteErrors;
    private long _checkpointWriteErrors;
    private string? _last;

    /// <summary>
    /// Called on the I/O thread with the error in words when a log write fails (a hole in the state on disk).
    /// FASTER does not evict a page whose flush failed, so the table's thread may block for good once memory
    /// is full: this is how its owner learns of it at once.
    /// </summary>
    public Action<string>? LogWriteFailed { get; set; }

    /// <summary>Failed writes to the table's log segments (each one a hole in the state on disk).</summary>
    public long LogWriteErrors => Interlocked.Read(ref _logWriteErrors);

    /// <summary>Failed writes to checkpoint files.</summary>
    public long CheckpointWriteErrors => Interlocked.Read(ref _checkpointWriteErrors);

    /// <summary>The most recent failure in words (file and device error code); null when none.</summary>
    public string? LastError => Volatile.Read(ref _last);

    internal void Record(bool checkpoint, string file, uint errorCode, uint bytes, uint requested)
    {
        // FASTER's devices pass no errno; the free space of the file's disk tells the likely cause in words.
        long free = FreeBytes(file);
        // The words first, then the count: whoever sees the count (another thread) finds the words set.
        Volatile.Write(ref _last, free >= 0 && free < requested
            ? $"no space left on device: a write of {requested} bytes to '{file}' failed ({free} bytes free)"
            : $"a write of {requested} bytes to '{file}' failed with device error {unchecked((int)errorCode)} after {bytes} bytes");
        Interlocked.Increment(ref checkpoint ? ref _checkpointWriteErrors : ref _logWriteErrors);
        if (!checkpoint)
        {
            LogWriteFailed?.Invoke(LastError!);
        }
    }

    private static long FreeBytes(string file)
    {
        try
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(file));
            while (directory is not null && !Directory.Exists(directory))
            {
                directory = Path.GetDirectoryName(directory);
            }
            return directory is null ? -1 : new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return -1;
        }
    }
}
