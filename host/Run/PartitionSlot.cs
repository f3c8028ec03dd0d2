namespace Attribution.Host.Run;

/// <summary>
/// What this host knows about one input partition it owns: where recovery replays from, which of the
/// re-read offsets already have outputs in Kafka, how far it consumed and committed. Owned by the
/// <see cref="PartitionTable"/>, which installs a new slot at every (re)assignment; the source thread
/// advances <see cref="ConsumedNext"/>, the transaction loop <see cref="Committed"/>, shard threads read it.
/// </summary>
internal sealed class PartitionSlot
{
    private const int StampRing = 1 << 13;

    // Input record timestamps of recent offsets, for end-to-end latency (offset tag checked on read).
    private readonly long[] _stampOffsets = new long[StampRing];
    private readonly long[] _stampTimes = new long[StampRing];
    private long _consumedNext;
    private volatile bool _owned = true;

    /// <summary>Creates the slot of a freshly recovered partition.</summary>
    public PartitionSlot(int partition, RecoveryPoint point)
    {
        Partition = partition;
        Point = point;
        _consumedNext = point.Start;
        Committed = point.Committed;
        Array.Fill(_stampOffsets, -1L);
    }

    /// <summary>The Kafka partition.</summary>
    public int Partition { get; }

    /// <summary>Where recovery put this partition.</summary>
    public RecoveryPoint Point { get; }

    /// <summary>Whether the host still owns the partition (false after revocation or loss).</summary>
    public bool Owned => _owned;

    /// <summary>Offset after the last record handed to the engine (written by the source thread).</summary>
    public long ConsumedNext => Volatile.Read(ref _consumedNext);

    /// <summary>The offset committed last (next offset to read after a restart); written by the transaction loop only.</summary>
    public long Committed { get; set; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the moment recovery of this assignment began (planning included).</summary>
    public long RecoveryStartedAt { get; init; }

    /// <summary>The committed offset at the last export of this partition's state to the shared directory (-1: none).</summary>
    public long SharedExportedAt { get; set; } = -1;

    /// <summary>Set once the rebuild range was consumed (the partition's move is complete); by the source thread, or by the transaction loop while it installs the slot.</summary>
    public bool Rebuilt { get; set; }

    /// <summary>Marks the partition as given up: its late outputs are dropped.</summary>
    public void Release() => _owned = false;

    /// <summary>Records that the record at <paramref name="offset"/> (produced at <paramref name="timestampMs"/>) was handed over.</summary>
    public void Consumed(long offset, long timestampMs)
    {
        int i = (int)(offset & (StampRing - 1));
        _stampTimes[i] = timestampMs;
        Volatile.Write(ref _stampOffsets[i], offset);
        Volatile.Write(ref _consumedNext, offset + 1);
    }

    /// <summary>The input timestamp of a recent offset, or -1 when it is no longer remembered.</summary>
    public long TimestampOf(long offset)
    {
        int i = (int)(offset & (StampRing - 1));
        if (Volatile.Read(ref _stampOffsets[i]) != offset)
        {
            return -1;
        }
        long t = _stampTimes[i];
        return Volatile.Read(ref _stampOffsets[i]) == offset ? t : -1;
    }
}
