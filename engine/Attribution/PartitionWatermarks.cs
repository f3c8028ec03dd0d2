namespace Attribution.Engine.Attribution;

/// <summary>
/// Per-partition watermark W[p] = the largest event time seen in partition p. Part of the
/// attribution state (snapshots save and restore it with <see cref="Get"/>/<see cref="Set"/>).
/// A growable array indexed by partition: it grows only when a new, higher partition appears.
/// </summary>
internal sealed class PartitionWatermarks
{
    /// <summary>Watermark of a partition that has seen no event: nothing in it is expired.</summary>
    public const long None = long.MinValue;

    /// <summary>Partitions are 16-bit in state keys, so 0..65535.</summary>
    public const int MaxPartitions = 65536;

    private long[] _values;

    /// <summary>Creates watermarks for partitions 0..<paramref name="initialPartitions"/>−1 (grows on demand).</summary>
    public PartitionWatermarks(int initialPartitions)
    {
        _values = new long[Math.Clamp(initialPartitions, 1, MaxPartitions)];
        Array.Fill(_values, None);
    }

    /// <summary>Partitions addressable without growing (all others read as <see cref="None"/>).</summary>
    public int Capacity => _values.Length;

    /// <summary>The watermark of <paramref name="partition"/>, or <see cref="None"/> when it has seen no event.</summary>
    public long Get(int partition) => (uint)partition < (uint)_values.Length ? _values[partition] : None;

    /// <summary>Sets the watermark of <paramref name="partition"/> (snapshot restore; <see cref="None"/> forgets it).</summary>
    public void Set(int partition, long watermark)
    {
        EnsurePartition(partition);
        _values[partition] = watermark;
    }

    /// <summary>Raises W[partition] to <paramref name="timestamp"/> if larger; returns the new watermark.</summary>
    internal long Advance(int partition, long timestamp)
    {
        EnsurePartition(partition);
        ref long w = ref _values[partition];
        if (timestamp > w)
        {
            w = timestamp;
        }
        return w;
    }

    private void EnsurePartition(int partition)
    {
        if ((uint)partition < (uint)_values.Length)
        {
            return;
        }
        if ((uint)partition >= MaxPartitions)
        {
            AttributionThrowHelper.ThrowPartition(partition);
        }
        Grow(partition);
    }

    private void Grow(int partition)
    {
        int size = Math.Min(MaxPartitions, Math.Max(partition + 1, _values.Length * 2));
        int old = _values.Length;
        Array.Resize(ref _values, size);
        Array.Fill(_values, None, old, size - old);
    }
}
