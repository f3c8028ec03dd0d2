using System.Buffers.Binary;
using Attribution.Engine.Pipeline;

namespace Attribution.Native;

/// <summary>
/// The attributions delivered by the shards, waiting for the C caller to poll them. Records are
/// framed (JSON: one line each, ending in '\n'; MessagePack: a 4-byte little-endian length, then
/// the record) and kept whole inside fixed-size chunks, so a poll copies whole records only.
/// <see cref="Deliver"/> never blocks and never drops: the bound is enforced on the producer side,
/// where submit refuses new records (<see cref="IsFull"/>) until the caller polls. Shards deliver
/// concurrently, the caller polls from any thread: one lock, taken once per batch and per poll.
/// </summary>
internal sealed class OutputQueue : IEngineOutput
{
    /// <summary>Size of one chunk (a larger record gets a chunk of its own size).</summary>
    public const int ChunkBytes = 256 * 1024;

    // Free chunks kept for reuse: enough to hold the limit (so a caller whose backlog stays under it
    // allocates nothing, and touches no fresh pages, once the backlog peaked), but at most 64 MiB.
    private const int MinKeptFreeChunks = 8;
    private const int MaxKeptFreeChunks = 256;
    private const int LengthPrefixBytes = 4;

    private readonly object _lock = new();
    private readonly Queue<Chunk> _chunks = new();
    private readonly Stack<Chunk> _free = new();
    private readonly bool _json;
    private readonly long _limit;
    private readonly int _keptFreeChunks;
    private Chunk? _tail;
    private long _pendingBytes;
    private long _deliveredRecords;
    private long _polledBytes;

    /// <summary>Creates a queue for <paramref name="format"/> records that reports full at <paramref name="limitBytes"/> pending bytes.</summary>
    public OutputQueue(WireFormat format, long limitBytes)
    {
        _json = format == WireFormat.Json;
        _limit = limitBytes;
        _keptFreeChunks = (int)Math.Clamp((limitBytes / ChunkBytes) + 1, MinKeptFreeChunks, MaxKeptFreeChunks);
    }

    /// <summary>Whether pending bytes reached the limit: submit must refuse new records until the caller polls.</summary>
    public bool IsFull => Volatile.Read(ref _pendingBytes) >= _limit;

    /// <summary>Bytes waiting to be polled.</summary>
    public long PendingBytes => Volatile.Read(ref _pendingBytes);

    /// <summary>Records delivered by the shards so far.</summary>
    public long DeliveredRecords => Volatile.Read(ref _deliveredRecords);

    /// <summary>Bytes handed to the caller so far.</summary>
    public long PolledBytes => Volatile.Read(ref _polledBytes);

    /// <inheritdoc/>
    public void Deliver(OutputBatch batch)
    {
        lock (_lock)
        {
            long added = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                ref readonly OutputEntry e = ref batch.Entry(i);
                ReadOnlySpan<byte> value = batch.Value(in e);
                int framed = _json ? value.Length + 1 : value.Length + LengthPrefixBytes;
                Span<byte> to = Reserve(framed);
                if (_json)
                {
                    value.CopyTo(to);
                    to[value.Length] = (byte)'\n';
                }
                else
                {
                    BinaryPrimitives.WriteInt32LittleEndian(to, value.Length);
                    value.CopyTo(to.Slice(LengthPrefixBytes));
                }
                added += framed;
            }
            _deliveredRecords += batch.Count;
            Volatile.Write(ref _pendingBytes, _pendingBytes + added);
        }
    }

    /// <summary>
    /// Copies as many whole records as fit into <paramref name="destination"/>. Returns false (and
    /// copies nothing) when the next record alone does not fit; <paramref name="needed"/> is then its
    /// size. On success <paramref name="needed"/> is the number of bytes still pending.
    /// </summary>
    public bool Poll(Span<byte> destination, out int written, out long needed)
    {
        lock (_lock)
        {
            written = 0;
            while (_chunks.TryPeek(out Chunk? head))
            {
                ReadOnlySpan<byte> data = head.Data.AsSpan(head.Start, head.End - head.Start);
                int room = destination.Length - written;
                int take = data.Length <= room ? data.Length : WholeRecordsWithin(data, room);
                if (take > 0)
                {
                    data.Slice(0, take).CopyTo(destination.Slice(written));
                    written += take;
                    head.Start += take;
                }
                if (head.Start == head.End)
                {
                    Recycle(_chunks.Dequeue());
                    continue;
                }
                break;
            }
            _polledBytes += written;
            Volatile.Write(ref _pendingBytes, _pendingBytes - written);
            if (written == 0 && _chunks.TryPeek(out Chunk? next))
            {
                needed = FirstRecordLength(next.Data.AsSpan(next.Start, next.End - next.Start));
                return false;
            }
            needed = _pendingBytes;
            return true;
        }
    }

    /// <summary>Length of the longest prefix of <paramref name="data"/> made of whole records and at most <paramref name="room"/> bytes.</summary>
    private int WholeRecordsWithin(ReadOnlySpan<byte> data, int room)
    {
        if (room <= 0)
        {
            return 0;
        }
        if (_json)
        {
            // A JSON line never contains a raw line feed (the writer escapes it), so the last one within room ends a record.
            return data.Slice(0, room).LastIndexOf((byte)'\n') + 1;
        }
        int at = 0;
        while (at < data.Length)
        {
            int framed = LengthPrefixBytes + BinaryPrimitives.ReadInt32LittleEndian(data.Slice(at));
            if (at + framed > room)
            {
                break;
            }
            at += framed;
        }
        return at;
    }

    private int FirstRecordLength(ReadOnlySpan<byte> data)
        => _json ? data.IndexOf((byte)'\n') + 1 : LengthPrefixBytes + BinaryPrimitives.ReadInt32LittleEndian(data);

    private Span<byte> Reserve(int framed)
    {
        if (_tail is null || _tail.Data.Length - _tail.End < framed)
        {
            _tail = framed <= ChunkBytes && _free.TryPop(out Chunk? reused) ? reused : new Chunk(Math.Max(ChunkBytes, framed));
            _chunks.Enqueue(_tail);
        }
        Span<byte> to = _tail.Data.AsSpan(_tail.End, framed);
        _tail.End += framed;
        return to;
    }

    private void Recycle(Chunk chunk)
    {
        if (ReferenceEquals(chunk, _tail))
        {
            _tail = null;
        }
        // Chunks are reused so a steady stream allocates nothing; oversized ones go back to the GC.
        if (chunk.Data.Length == ChunkBytes && _free.Count < _keptFreeChunks)
        {
            chunk.Start = 0;
            chunk.End = 0;
            _free.Push(chunk);
        }
    }

    private sealed class Chunk(int size)
    {
        public readonly byte[] Data = new byte[size];
        public int Start;
        public int End;
    }
}
