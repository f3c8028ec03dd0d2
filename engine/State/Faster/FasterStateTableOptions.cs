using System.Numerics;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// Settings of one <see cref="FasterStateTable"/>: where its files live and how much memory its
/// hash index and hybrid log may use. Sizes are in bytes and rounded down to powers of two, the
/// unit FASTER works in; <see cref="Validate"/> explains any value it refuses in one sentence.
/// </summary>
internal sealed class FasterStateTableOptions
{
    /// <summary>Smallest accepted in-memory log budget (8 pages of 64 KiB).</summary>
    public const long MinMemoryBytes = 512 * 1024;

    /// <summary>Smallest accepted hash index, in 64-byte buckets.</summary>
    public const long MinIndexBuckets = 64;

    /// <summary>Smallest log page; a page must hold the largest record (about 2.3 KiB).</summary>
    internal const int MinPageBits = 16;

    /// <summary>
    /// Largest log page (4 MiB). Pages are the unit in which log memory is allocated, so smaller
    /// pages waste less at the tail; FASTER's own default (32 MiB) would add up to 32 MiB per table.
    /// </summary>
    internal const int MaxPageBits = 22;

    /// <summary>Largest log segment file (256 MiB): the unit in which disk space is given back.</summary>
    internal const int MaxSegmentBits = 28;

    /// <summary>Folder that holds the table's folder (created when missing).</summary>
    public required string Directory { get; init; }

    /// <summary>Name of the table; its files go to <c>Directory/Name</c>. Letters, digits, '-', '_' and '.'.</summary>
    public string Name { get; init; } = "state";

    /// <summary>
    /// Hash index size in 64-byte buckets (power of two). Each bucket holds 7 entries; aim for at
    /// least <c>expected keys / 4</c> buckets so few chains spill into overflow buckets.
    /// </summary>
    public long IndexBuckets { get; init; } = 1 << 16;

    /// <summary>
    /// In-memory part of the hybrid log, in bytes (rounded down to a power of two). Records beyond
    /// it live on disk and are read back with I/O. Pages are allocated as the log grows, so a
    /// budget larger than the data costs nothing.
    /// </summary>
    public long MemoryBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Fraction of the in-memory log that is mutable (updated in place); the rest is read-only
    /// and is being flushed to disk. Between 0.1 and 1.
    /// </summary>
    public double MutableFraction { get; init; } = 0.9;

    /// <summary>
    /// Allocate the whole in-memory log (<see cref="MemoryBytes"/>) when the table opens instead of a page at a time as
    /// it fills. Then no write pays for a new page (allocating and zeroing it, faulting its memory in); the process holds
    /// its budget from the start. Off by default; the engine turns it on.
    /// </summary>
    public bool PreallocateMemory { get; init; }

    /// <summary>Delete the table's folder (log and checkpoints) when the table is disposed.</summary>
    public bool DeleteOnDispose { get; init; }

    /// <summary>
    /// After a sweep, compact the log when its size exceeds this multiple of the live records'
    /// size (and <see cref="CompactionMinLogBytes"/>). At least 1.1.
    /// </summary>
    public double CompactionTrigger { get; init; } = 2.0;

    /// <summary>Logs smaller than this are never compacted (compaction has a fixed cost).</summary>
    public long CompactionMinLogBytes { get; init; } = DefaultCompactionMinLogBytes;

    /// <summary>Default of <see cref="CompactionMinLogBytes"/> (4 MiB).</summary>
    public const long DefaultCompactionMinLogBytes = 4L * 1024 * 1024;

    /// <summary>Page size derived from <see cref="MemoryBytes"/>: a sixteenth of it, within 64 KiB..4 MiB.</summary>
    public int PageBits => Math.Clamp(MemoryBits - 4, MinPageBits, MaxPageBits);

    /// <summary>Log memory budget as FASTER's power of two.</summary>
    public int MemoryBits => MemoryBytes <= 0 ? 0 : BitOperations.Log2((ulong)MemoryBytes);

    /// <summary>Segment (file) size: half the memory budget, within one page..256 MiB.</summary>
    public int SegmentBits => Math.Clamp(MemoryBits - 1, PageBits, MaxSegmentBits);

    /// <summary>The table's own folder.</summary>
    public string TableDirectory => Path.Combine(Directory, Name);

    /// <summary>Folder of the log segment files.</summary>
    public string LogDirectory => Path.Combine(TableDirectory, "log");

    /// <summary>Folder of the checkpoints (one sub-folder per checkpoint token, FASTER's layout).</summary>
    public string CheckpointDirectory => Path.Combine(TableDirectory, "checkpoints");

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("FasterStateTableOptions.Directory must name a folder.");
        }
        if (string.IsNullOrEmpty(Name) || !IsSafeName(Name))
        {
            throw new ArgumentException($"FasterStateTableOptions.Name '{Name}' must be non-empty and use only letters, digits, '-', '_' and '.'.");
        }
        if (IndexBuckets < MinIndexBuckets || !BitOperations.IsPow2(IndexBuckets))
        {
            throw new ArgumentException($"FasterStateTableOptions.IndexBuckets is {IndexBuckets}; it must be a power of two of at least {MinIndexBuckets}.");
        }
        if (MemoryBytes < MinMemoryBytes)
        {
            throw new ArgumentException($"FasterStateTableOptions.MemoryBytes is {MemoryBytes}; the in-memory log needs at least {MinMemoryBytes} bytes (8 pages of 64 KiB).");
        }
        if (!(MutableFraction >= 0.1 && MutableFraction <= 1.0))
        {
            throw new ArgumentException($"FasterStateTableOptions.MutableFraction is {MutableFraction}; it must be between 0.1 and 1.");
        }
        if (!(CompactionTrigger >= 1.1))
        {
            throw new ArgumentException($"FasterStateTableOptions.CompactionTrigger is {CompactionTrigger}; it must be at least 1.1 or every sweep would compact.");
        }
        if (CompactionMinLogBytes < 0)
        {
            throw new ArgumentException($"FasterStateTableOptions.CompactionMinLogBytes is {CompactionMinLogBytes}; it must not be negative.");
        }
    }

    private static bool IsSafeName(string name)
    {
        if (name is "." or "..")
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}
