namespace Attribution.Engine.State.Faster;

/// <summary>
/// Sizes of a <see cref="FasterStateTable"/> at one moment. Addresses are FASTER logical log
/// addresses (byte offsets in the log): memory holds [<see cref="LogHeadAddress"/>, tail), disk
/// holds [<see cref="LogBeginAddress"/>, head) plus what was flushed after it.
/// </summary>
/// <param name="Count">Live entries.</param>
/// <param name="IndexBytes">Main hash index (buckets × 64 B).</param>
/// <param name="OverflowBucketBytes">Overflow buckets allocated for full index buckets.</param>
/// <param name="LogMemoryBytes">Memory of the allocated in-memory log pages.</param>
/// <param name="LogBeginAddress">Oldest valid log address.</param>
/// <param name="LogHeadAddress">Oldest address still in memory.</param>
/// <param name="LogReadOnlyAddress">Start of the mutable region (older records are read-only).</param>
/// <param name="LogTailAddress">Next address to be written.</param>
/// <param name="LogFileBytes">Bytes of the log segment files on disk.</param>
/// <param name="LiveRecordBytes">Bytes of the live records (each live key's record size), kept exact by every write and delete.</param>
internal readonly record struct FasterStateTableStats(
    long Count,
    long IndexBytes,
    long OverflowBucketBytes,
    long LogMemoryBytes,
    long LogBeginAddress,
    long LogHeadAddress,
    long LogReadOnlyAddress,
    long LogTailAddress,
    long LogFileBytes,
    long LiveRecordBytes)
{
    /// <summary>Bytes of log between begin and tail (live records plus garbage).</summary>
    public long LogBytes => LogTailAddress - LogBeginAddress;
}
