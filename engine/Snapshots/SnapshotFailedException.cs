namespace Attribution.Engine.Snapshots;

/// <summary>A snapshot could not be taken; the previous snapshot is untouched and the engine's state is intact.</summary>
public sealed class SnapshotFailedException : Exception
{
    /// <summary>Creates the exception with a one-sentence message.</summary>
    public SnapshotFailedException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>The sequence number the failed snapshot would have had.</summary>
    public long Sequence { get; init; }
}
