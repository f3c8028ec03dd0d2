namespace Attribution.Bench.Engine;

/// <summary>
/// Pre-rendered input lines packed end to end in large chunks: millions of lines cost a few dozen
/// arrays instead of millions of small objects the GC would have to trace during the timed runs.
/// </summary>
internal sealed class LineStore
{
    private const int ChunkBytes = 32 << 20;

    private byte[][] _chunks = new byte[4][];
    private int _chunkCount;
    private int _used = ChunkBytes; // forces the first chunk
    private readonly int[] _chunkOf;
    private readonly int[] _start;
    private readonly int[] _length;

    public LineStore(int capacity)
    {
        _chunkOf = new int[capacity];
        _start = new int[capacity];
        _length = new int[capacity];
    }

    /// <summary>Lines stored.</summary>
    public int Count { get; private set; }

    /// <summary>Total bytes of all lines (no separators).</summary>
    public long Bytes { get; private set; }

    /// <summary>The i-th line.</summary>
    public ReadOnlySpan<byte> this[int i] => _chunks[_chunkOf[i]].AsSpan(_start[i], _length[i]);

    /// <summary>The i-th line, writable (the micro-benchmark rewrites timestamps between passes).</summary>
    public Span<byte> Writable(int i) => _chunks[_chunkOf[i]].AsSpan(_start[i], _length[i]);

    public void Add(ReadOnlySpan<byte> line)
    {
        if (Count == _start.Length)
        {
            throw new InvalidOperationException($"The line store is full ({Count:N0} lines).");
        }
        if (ChunkBytes - _used < line.Length)
        {
            if (_chunkCount == _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length * 2);
            }
            _chunks[_chunkCount++] = GC.AllocateUninitializedArray<byte>(ChunkBytes);
            _used = 0;
        }
        line.CopyTo(_chunks[_chunkCount - 1].AsSpan(_used));
        _chunkOf[Count] = _chunkCount - 1;
        _start[Count] = _used;
        _length[Count] = line.Length;
        _used += line.Length;
        Bytes += line.Length;
        Count++;
    }
}
