namespace Attribution.Host.Run;

/// <summary>
/// A growable buffer of attributions (keys and values back to back, plus an index) handed from the
/// shard threads to the transaction loop. It only grows, to the largest batch seen, and is reused:
/// steady state copies bytes and allocates nothing.
/// </summary>
internal sealed class PendingOutputs
{
    private byte[] _bytes = new byte[256 * 1024];
    private PendingOutput[] _entries = new PendingOutput[2048];
    private int _used;

    /// <summary>Number of attributions.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes held.</summary>
    public int Bytes => _used;

    /// <summary>The i-th entry.</summary>
    public ref readonly PendingOutput this[int i] => ref _entries[i];

    /// <summary>The key of an entry.</summary>
    public ReadOnlySpan<byte> Key(in PendingOutput e) => _bytes.AsSpan(e.KeyStart, e.KeyLength);

    /// <summary>The value of an entry.</summary>
    public ReadOnlySpan<byte> Value(in PendingOutput e) => _bytes.AsSpan(e.ValueStart, e.ValueLength);

    /// <summary>Appends one attribution.</summary>
    public void Add(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Add(partition, offset, key, value, -1, 0);

    /// <summary>Appends a copy of a record; <paramref name="target"/> and <paramref name="timestamp"/> are a re-keyed input record's repartition partition and Kafka time.</summary>
    public void Add(int partition, long offset, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, int target, long timestamp)
    {
        int need = key.Length + value.Length;
        if (_bytes.Length - _used < need)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + need));
        }
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }
        ref PendingOutput e = ref _entries[Count++];
        e.Partition = partition;
        e.Offset = offset;
        e.Target = target;
        e.Timestamp = timestamp;
        e.KeyStart = _used;
        e.KeyLength = key.Length;
        key.CopyTo(_bytes.AsSpan(_used));
        _used += key.Length;
        e.ValueStart = _used;
        e.ValueLength = value.Length;
        value.CopyTo(_bytes.AsSpan(_used));
        _used += value.Length;
    }

    /// <summary>Empties the buffer, keeping its capacity.</summary>
    public void Clear()
    {
        Count = 0;
        _used = 0;
    }
}
