namespace Attribution.Engine.State.Faster;

/// <summary>
/// Write errors FASTER's devices reported for one table. FASTER logs a failed write (e.g. a full
/// disk) and carries on, so a checkpoint can "complete" with files that were never written; the
/// table counts the errors here and refuses to call such a checkpoint durable. Thread-safe.
/// </summary>
public sealed class IoErrorLog
{
    private long _logWriteErrors;
    private long _checkpointWriteErrors;
    private string? _last;

    /// <summary>Failed writes to the table's log segments (each one a hole in the state on disk).</summary>
    public long LogWriteErrors => Interlocked.Read(ref _logWriteErrors);

    /// <summary>Failed writes to checkpoint files.</summary>
    public long CheckpointWriteErrors => Interlocked.Read(ref _checkpointWriteErrors);

    /// <summary>The most recent failure in words (file and device error code); null when none.</summary>
    public string? LastError => Volatile.Read(ref _last);

    internal void Record(bool checkpoint, string file, uint errorCode, uint bytes)
    {
        Interlocked.Increment(ref checkpoint ? ref _checkpointWriteErrors : ref _logWriteErrors);
        Volatile.Write(ref _last, $"a write to '{file}' failed with device error {unchecked((int)errorCode)} after {bytes} bytes");
    }
}
