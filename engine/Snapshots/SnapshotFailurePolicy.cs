namespace Attribution.Engine.Snapshots;

/// <summary>What the engine does after a periodic snapshot failed (the previous snapshot is always kept).</summary>
public enum SnapshotFailurePolicy : byte
{
    /// <summary>Log it and keep processing; the next periodic snapshot tries again.</summary>
    Continue = 0,
    /// <summary>Stop accepting input: every later Submit throws the <see cref="SnapshotFailedException"/>.</summary>
    Stop = 1,
}
