namespace Attribution.Engine.State.Faster;

/// <summary>
/// Records a sweep has read from the log while it waits for their liveness probes. Probes of
/// records on disk go pending (one read I/O each); keeping up to <see cref="Capacity"/> of them
/// in flight and completing them together overlaps that I/O instead of paying it one by one.
/// The records' bytes are copied here because the scan reuses its buffer; the probe results
/// (<see cref="ValueSink"/>s) are in a pinned array since FASTER's completion writes them
/// through a pointer.
/// </summary>
internal sealed unsafe class SweepProbeBatch
{
    /// <summary>Most probes in flight at once.</summary>
    public const int Capacity = 256;

    private const int SlotBytes = IStateTable.MaxKeyBytes + IStateTable.MaxValueBytes;

    private readonly ValueSink[] _sinks = GC.AllocateArray<ValueSink>(Capacity, pinned: true);
    private readonly long[] _addresses = new long[Capacity];
    private readonly int[] _keyLengths = new int[Capacity];
    private readonly int[] _valueLengths = new int[Capacity];
    private readonly byte[] _bytes = new byte[Capacity * SlotBytes];

    /// <summary>Records held.</summary>
    public int Count { get; private set; }

    /// <summary>True when no further record fits.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Copies a record in and returns its slot; its sink starts as a fresh probe.</summary>
    public int Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long address)
    {
        var slot = Count++;
        var bytes = _bytes.AsSpan(slot * SlotBytes, SlotBytes);
        key.CopyTo(bytes);
        value.CopyTo(bytes[key.Length..]);
        _keyLengths[slot] = key.Length;
        _valueLengths[slot] = value.Length;
        _addresses[slot] = address;
        _sinks[slot] = ValueSink.Probe();
        return slot;
    }

    /// <summary>Forgets the most recently added record (its probe completed at once).</summary>
    public void RemoveLast() => Count--;

    /// <summary>Forgets every record.</summary>
    public void Clear() => Count = 0;

    /// <summary>The record's key bytes.</summary>
    public Span<byte> Key(int slot) => _bytes.AsSpan(slot * SlotBytes, _keyLengths[slot]);

    /// <summary>The record's value bytes.</summary>
    public ReadOnlySpan<byte> Value(int slot) => _bytes.AsSpan(slot * SlotBytes + _keyLengths[slot], _valueLengths[slot]);

    /// <summary>Log address the scan found the record at.</summary>
    public long Address(int slot) => _addresses[slot];

    /// <summary>The probe result; stays at a fixed address (pinned array).</summary>
    public ref ValueSink Sink(int slot) => ref _sinks[slot];
}
