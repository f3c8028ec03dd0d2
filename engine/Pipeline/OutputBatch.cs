using System.Buffers;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// The attributions one shard produced since its last delivery, encoded back to back. Reused by its
/// shard: an <see cref="IEngineOutput"/> must copy what it keeps before returning. For JSON output
/// the values are JSON lines, so <see cref="Lines"/> is a ready-to-write JSON-lines block.
/// </summary>
public sealed class OutputBatch : IBufferWriter<byte>
{
    private byte[] _buffer;
    private byte[] _keys;
    private OutputEntry[] _entries;
    private int _used;
    private int _keysUsed;

    internal OutputBatch(int shard, int initialBytes = 256 * 1024, int initialEntries = 1024)
    {
        Shard = shard;
        _buffer = new byte[initialBytes];
        _keys = new byte[initialBytes / 4];
        _entries = new OutputEntry[initialEntries];
    }

    /// <summary>The shard that produced the batch.</summary>
    public int Shard { get; }

    /// <summary>Number of attributions.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes used.</summary>
    public int Length => _used;

    /// <summary>All encoded attributions, each followed by a line feed when the format is JSON.</summary>
    public ReadOnlySpan<byte> Lines => _buffer.AsSpan(0, _used);

    /// <summary>The i-th entry.</summary>
    public ref readonly OutputEntry Entry(int i) => ref _entries[i];

    /// <summary>The key (user_id) bytes of an entry.</summary>
    public ReadOnlySpan<byte> Key(in OutputEntry e) => _keys.AsSpan(e.KeyOffset, e.KeyLength);

    /// <summary>The encoded attribution of an entry.</summary>
    public ReadOnlySpan<byte> Value(in OutputEntry e) => _buffer.AsSpan(e.ValueOffset, e.ValueLength);

    internal void Clear()
    {
        _used = 0;
        _keysUsed = 0;
        Count = 0;
    }

    internal int Position => _used;

    /// <summary>
    /// True when the batch should be delivered before the next attribution: its entry table is full or
    /// half of a byte buffer is used. Delivering then keeps a batch bounded (a slow consumer of the ring
    /// cannot make a shard build one huge batch), so the buffers never grow in steady state: a record is
    /// at most a few KiB, far below the half buffer left free.
    /// </summary>
    internal bool Full => Count == _entries.Length || _used >= _buffer.Length / 2 || _keysUsed >= _keys.Length / 2;

    /// <summary>Stores a key (kept apart from the values so <see cref="Lines"/> stays a clean block); returns its offset.</summary>
    internal int AppendKey(ReadOnlySpan<byte> key)
    {
        if (_keys.Length - _keysUsed < key.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keysUsed + key.Length));
        }
        int at = _keysUsed;
        key.CopyTo(_keys.AsSpan(at));
        _keysUsed += key.Length;
        return at;
    }

    internal void AddEntry(in OutputEntry entry)
    {
        if (Count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2); // grows to the largest batch once, then stays
        }
        _entries[Count++] = entry;
    }

    /// <inheritdoc/>
    public void Advance(int count) => _used += count;

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_used);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_used);
    }

    private void Ensure(int sizeHint)
    {
        int need = Math.Max(sizeHint, 1);
        if (_buffer.Length - _used < need)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _used + need));
        }
    }
}
