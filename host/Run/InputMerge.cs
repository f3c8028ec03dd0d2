using Attribution.Engine.Events;

namespace Attribution.Host.Run;

/// <summary>
/// Orders the re-key stage's input by event time across the input partitions this host consumes, the way Kafka
/// Streams picks a task's next record from the partition with the smallest head timestamp. librdkafka hands a
/// backlog over in large chunks per partition, so copying records in arrival order would put a user's conversion
/// from one partition ahead of the click it follows from another; here each partition's records wait in a queue
/// (in offset order: a partition's own order is never changed) and the head with the smallest event time goes
/// first — but only while every other partition either has a head too, or has nothing more to read, or has been
/// waited for <see cref="IdleLimitMs"/>.
/// </summary>
/// <remarks>Source thread only (assignment changes happen while it waits). Allocation-free once the queues have grown.</remarks>
internal sealed class InputMerge
{
    /// <summary>
    /// How long a partition that has more to read, but nothing delivered yet, holds the others back (Kafka Streams'
    /// max.task.idle.ms). It must outlast the gaps in a backlog's delivery: the first fetches after an assignment, and a
    /// fetcher starved of CPU (librdkafka's 1 s fetch.queue.backoff.ms no longer adds one: the host sets 10 ms). With
    /// librdkafka's backoff, 50 ms lost 9,127 of 25,987 attributions of a mis-keyed backlog in bench kafka (row c,
    /// 200,000 events) and 1 s lost 9,695 of 50,571 (300,000 events); with the 10 ms backoff, 500 ms still lost 8,754 of
    /// 25,987 on a 2-core machine at load average 28–33; 5 s lost none in either.
    /// Live traffic waits only while a fetch is in flight; only a partition whose leader is gone waits it out.
    /// </summary>
    public const long IdleLimitMs = 5000;

    /// <summary>Records a partition may hold before it is paused (resumed when half are out).</summary>
    public const int QueueLimit = 20_000;

    private Queue?[] _queues = new Queue?[64];
    private long _waitingSince = -1;

    /// <summary>One queued input record: where it is, its order key and what the re-key stage decided about it.</summary>
    public struct Entry
    {
        /// <summary>Input offset.</summary>
        public long Offset;
        /// <summary>Kafka timestamp (ms).</summary>
        public long Timestamp;
        /// <summary>Event time (ms) for ordering; <see cref="long.MinValue"/> for a rejected record (it goes at once).</summary>
        public long OrderKey;
        /// <summary>Why the record was rejected, or none.</summary>
        public RejectReason Reason;
        /// <summary>The field a rejection is about.</summary>
        public RecordField Field;
        /// <summary>Whether the Kafka key / value was null.</summary>
        public bool KeyIsNull, ValueIsNull;
        /// <summary>Byte ranges in the queue's buffer.</summary>
        public int KeyStart, KeyLength, UserStart, UserLength, ValueStart, ValueLength;
    }

    /// <summary>Queues a record of <paramref name="partition"/>; returns whether the partition should now be paused.</summary>
    public bool Add(int partition, in Entry entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> user, ReadOnlySpan<byte> value)
    {
        var q = QueueOf(partition);
        q.Add(entry, key, user, value);
        return !q.Paused && q.Count >= QueueLimit;
    }

    /// <summary>Marks a partition paused (the caller paused it in the consumer).</summary>
    public void SetPaused(int partition, bool paused) => QueueOf(partition).Paused = paused;

    /// <summary>
    /// The partition whose head goes next, or -1 when none may go yet. <paramref name="mayHaveMore"/> says whether an
    /// empty partition has records the consumer has not delivered yet.
    /// </summary>
    public int Next(long nowMs, Func<int, bool> mayHaveMore)
    {
        int best = -1;
        long bestKey = long.MaxValue;
        bool waiting = false;
        var queues = _queues;
        for (int p = 0; p < queues.Length; p++)
        {
            if (queues[p] is not { Active: true } q)
            {
                continue;
            }
            if (q.Count > 0)
            {
                long key = q.HeadKey;
                if (best < 0 || key < bestKey)
                {
                    best = p;
                    bestKey = key;
                }
            }
            else if (!waiting && mayHaveMore(p))
            {
                waiting = true;
            }
        }
        if (best < 0 || bestKey == long.MinValue || !waiting)
        {
            _waitingSince = -1;
            return best;
        }
        if (_waitingSince < 0)
        {
            _waitingSince = nowMs;
        }
        if (nowMs - _waitingSince < IdleLimitMs)
        {
            return -1;
        }
        return best; // waited long enough: the silent partition does not hold the others back any longer
    }

    /// <summary>The head entry of a partition (valid until <see cref="Pop"/>).</summary>
    public ref readonly Entry Head(int partition) => ref _queues[partition]!.HeadEntry;

    /// <summary>Bytes of the head entry.</summary>
    public ReadOnlySpan<byte> Bytes(int partition, int start, int length) => _queues[partition]!.Bytes(start, length);

    /// <summary>Removes the head entry of a partition; returns whether a paused partition may resume.</summary>
    public bool Pop(int partition)
    {
        var q = _queues[partition]!;
        q.Pop();
        return q.Paused && q.Count <= QueueLimit / 2;
    }

    /// <summary>Whether a partition has queued records.</summary>
    public bool Any(int partition) => (uint)partition < (uint)_queues.Length && _queues[partition] is { Count: > 0 };

    /// <summary>Starts a partition's queue (assigned).</summary>
    public void Open(int partition)
    {
        var q = QueueOf(partition);
        q.Clear();
        q.Active = true;
        q.Paused = false;
    }

    /// <summary>Drops a partition's queued records (revoked, lost, rewound); returns whether it was paused.</summary>
    public bool Close(int partition)
    {
        if ((uint)partition >= (uint)_queues.Length || _queues[partition] is not { } q)
        {
            return false;
        }
        bool paused = q.Paused;
        q.Clear();
        q.Active = false;
        q.Paused = false;
        return paused;
    }

    private Queue QueueOf(int partition)
    {
        if (partition >= _queues.Length)
        {
            Array.Resize(ref _queues, Math.Max(partition + 1, _queues.Length * 2));
        }
        return _queues[partition] ??= new Queue();
    }

    // A FIFO of entries over one growing byte buffer, reset when empty.
    private sealed class Queue
    {
        private Entry[] _entries = new Entry[256];
        private byte[] _bytes = new byte[64 * 1024];
        private int _head;
        private int _tail;
        private int _used;

        public bool Active;
        public bool Paused;

        public int Count => _tail - _head;

        public long HeadKey => _entries[_head].OrderKey;

        public ref readonly Entry HeadEntry => ref _entries[_head];

        public ReadOnlySpan<byte> Bytes(int start, int length) => _bytes.AsSpan(start, length);

        public void Add(in Entry entry, ReadOnlySpan<byte> key, ReadOnlySpan<byte> user, ReadOnlySpan<byte> value)
        {
            int need = key.Length + user.Length + value.Length;
            if (_bytes.Length - _used < need)
            {
                Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + need));
            }
            if (_tail == _entries.Length)
            {
                Array.Resize(ref _entries, _entries.Length * 2);
            }
            ref Entry e = ref _entries[_tail++];
            e = entry;
            e.KeyStart = Append(key);
            e.KeyLength = key.Length;
            e.UserStart = Append(user);
            e.UserLength = user.Length;
            e.ValueStart = Append(value);
            e.ValueLength = value.Length;
        }

        public void Pop()
        {
            if (++_head == _tail)
            {
                Clear();
            }
            else if (_head >= 1024 && 2 * _head >= _tail)
            {
                Compact(); // a queue that never empties (a long backlog) must not keep growing
            }
        }

        private void Compact()
        {
            int from = _entries[_head].KeyStart;
            int live = _tail - _head;
            Array.Copy(_entries, _head, _entries, 0, live);
            Buffer.BlockCopy(_bytes, from, _bytes, 0, _used - from);
            for (int i = 0; i < live; i++)
            {
                ref Entry e = ref _entries[i];
                e.KeyStart -= from;
                e.UserStart -= from;
                e.ValueStart -= from;
            }
            _head = 0;
            _tail = live;
            _used -= from;
        }

        public void Clear()
        {
            _head = _tail = _used = 0;
        }

        private int Append(ReadOnlySpan<byte> bytes)
        {
            int at = _used;
            bytes.CopyTo(_bytes.AsSpan(at));
            _used += bytes.Length;
            return at;
        }
    }
}
