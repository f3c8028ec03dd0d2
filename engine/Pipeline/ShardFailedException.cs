namespace Attribution.Engine.Pipeline;

/// <summary>
/// A shard stopped because the engine's own output or state could not be written (a full disk, a sink
/// that threw): unlike a bad record, which is counted and skipped, such a fault stops the engine. From
/// then on <see cref="AttributionEngine.Submit"/>, <see cref="AttributionEngine.Flush"/> and every other
/// call through the ring throw this exception; <see cref="Exception.InnerException"/> is the cause.
/// </summary>
public sealed class ShardFailedException : Exception
{
    /// <summary>Creates the exception with a one-sentence message and its cause.</summary>
    public ShardFailedException(int shard, string message, Exception cause) : base(message, cause)
    {
        Shard = shard;
    }

    /// <summary>The shard that stopped.</summary>
    public int Shard { get; }

    /// <summary>Whether the cause is the lack of space on a disk (ENOSPC or a quota).</summary>
    public bool NoSpace => DiskErrors.IsNoSpace(InnerException);
}
