using Attribution.Engine.Events;

namespace Attribution.Engine.Attribution;

/// <summary>
/// The event-time guard (docs/SEMANTICS.md): decides per partition, before an event reaches the state, whether
/// its timestamp may move the partition's event time, so that a few events stamped far ahead of (or behind) the
/// stream are rejected as <see cref="RejectReason.ClockSkew"/> instead of expiring live state. A pure function of
/// each partition's event sequence and the settings (no wall clock). Its per-partition state — the watermark W
/// and up to J pending timestamps — is part of the partition's state: snapshots and partition files carry it.
/// Owned by the submitting side; not thread-safe. <see cref="Judge"/> allocates nothing.
/// </summary>
internal sealed class EventTimeGuard
{
    private readonly long _skew;
    private readonly int _confirmations;
    private long[] _watermarks;
    private int[] _counts;
    // _confirmations slots per partition: the first events while bootstrapping, else the current run ahead of W.
    private long[] _pending;

    /// <summary>Creates a guard for partitions 0..<paramref name="config"/>.Partitions−1 (grows on demand).</summary>
    public EventTimeGuard(AttributionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _skew = config.EffectiveMaxClockSkewMs;
        _confirmations = config.ClockConfirmations;
        int partitions = Math.Clamp(config.Partitions, 1, PartitionWatermarks.MaxPartitions);
        _watermarks = new long[partitions];
        Array.Fill(_watermarks, PartitionWatermarks.None);
        _counts = new int[partitions];
        _pending = new long[partitions * _confirmations];
    }

    /// <summary>Events a jump (or a partition's start) needs; the most timestamps a partition keeps pending.</summary>
    public int Confirmations => _confirmations;

    /// <summary>
    /// Judges event <paramref name="e"/> of partition <c>e.Partition</c> (decoded, partition set): returns
    /// <see cref="RejectReason.ClockSkew"/> when it is a clock outlier (the guard's state may still change: it
    /// counts towards a jump), else <see cref="RejectReason.None"/> and sets the record's guarded watermark.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The partition is outside 0..65535.</exception>
    public RejectReason Judge(ref EventRecord e)
    {
        int p = e.Partition;
        EnsurePartition(p);
        long t = e.Timestamp;
        long w = _watermarks[p];
        Span<long> pending = _pending.AsSpan(p * _confirmations, _confirmations);
        ref int count = ref _counts[p];
        e.Guarded = true;
        if (w == PartitionWatermarks.None)
        {
            // Bootstrap: nothing to judge against yet, so every event is accepted, judged against the agreeing
            // events so far, and W is set once J events are in — by the agreeing majority, not by the first one.
            pending[count++] = t;
            if (count < _confirmations)
            {
                e.HoldsWatermark = true;
                e.GuardedWatermark = MaxAgreeing(pending[..count], t);
                return RejectReason.None;
            }
            pending.Sort();
            w = MaxAgreeing(pending, pending[(_confirmations - 1) / 2]);
            count = 0;
            _watermarks[p] = w;
            e.HoldsWatermark = false;
            e.GuardedWatermark = w;
            return RejectReason.None;
        }
        if (t < EventTime.Horizon(w, _skew))
        {
            return RejectReason.ClockSkew; // far behind: never moves W, so nothing to confirm
        }
        if (t <= EventTime.AddSpans(w, _skew))
        {
            count = 0; // an event in range ends any run ahead
            if (t > w)
            {
                _watermarks[p] = w = t;
            }
            e.HoldsWatermark = false;
            e.GuardedWatermark = w;
            return RejectReason.None;
        }
        // Ahead of W + skew: part of a run of consecutive agreeing events; the J-th is accepted and W jumps to it.
        if (count > 0 && Agree(pending[0], t))
        {
            pending[count++] = t;
        }
        else
        {
            pending[0] = t;
            count = 1;
        }
        if (count < _confirmations)
        {
            return RejectReason.ClockSkew;
        }
        count = 0;
        _watermarks[p] = t;
        e.HoldsWatermark = false;
        e.GuardedWatermark = t;
        return RejectReason.None;
    }

    /// <summary>The guard's watermark of <paramref name="partition"/> (<see cref="PartitionWatermarks.None"/> while bootstrapping).</summary>
    public long Watermark(int partition) => (uint)partition < (uint)_watermarks.Length ? _watermarks[partition] : PartitionWatermarks.None;

    /// <summary>A copy of the pending timestamps of <paramref name="partition"/> (empty when none).</summary>
    public long[] Pending(int partition)
        => (uint)partition < (uint)_counts.Length ? _pending.AsSpan(partition * _confirmations, _counts[partition]).ToArray() : [];

    /// <summary>Partitions whose guard has pending timestamps (for snapshots).</summary>
    public IEnumerable<int> PartitionsWithPending()
    {
        for (int p = 0; p < _counts.Length; p++)
        {
            if (_counts[p] > 0)
            {
                yield return p;
            }
        }
    }

    /// <summary>Sets the guard state of <paramref name="partition"/> (recovery, import).</summary>
    /// <exception cref="ArgumentException">More pending timestamps than a run can hold, or pending ones without a bootstrap/run to belong to.</exception>
    public void Restore(int partition, long watermark, ReadOnlySpan<long> pending)
    {
        if (pending.Length >= _confirmations)
        {
            throw new ArgumentException($"Partition {partition} has {pending.Length} pending event times, but the clock confirmations are {_confirmations}.", nameof(pending));
        }
        EnsurePartition(partition);
        _watermarks[partition] = watermark;
        _counts[partition] = pending.Length;
        pending.CopyTo(_pending.AsSpan(partition * _confirmations, _confirmations));
    }

    /// <summary>Forgets <paramref name="partition"/>: its next event bootstraps it again (the partition's state was dropped).</summary>
    public void Forget(int partition)
    {
        if ((uint)partition < (uint)_watermarks.Length)
        {
            _watermarks[partition] = PartitionWatermarks.None;
            _counts[partition] = 0;
        }
    }

    // The difference of the larger minus the smaller, as ulong, is exact across the whole int64 range.
    private bool Agree(long a, long b) => unchecked(a >= b ? (ulong)(a - b) : (ulong)(b - a)) <= (ulong)_skew;

    private long MaxAgreeing(ReadOnlySpan<long> times, long reference)
    {
        long max = long.MinValue;
        foreach (long x in times)
        {
            if (x > max && Agree(x, reference))
            {
                max = x;
            }
        }
        return max;
    }

    private void EnsurePartition(int partition)
    {
        if ((uint)partition < (uint)_watermarks.Length)
        {
            return;
        }
        if ((uint)partition >= PartitionWatermarks.MaxPartitions)
        {
            AttributionThrowHelper.ThrowPartition(partition);
        }
        int size = Math.Min(PartitionWatermarks.MaxPartitions, Math.Max(partition + 1, _watermarks.Length * 2));
        int old = _watermarks.Length;
        Array.Resize(ref _watermarks, size);
        Array.Fill(_watermarks, PartitionWatermarks.None, old, size - old);
        Array.Resize(ref _counts, size);
        Array.Resize(ref _pending, size * _confirmations);
    }
}
