namespace Attribution.Engine.State.Faster;

/// <summary>
/// FASTER's per-operation output for a <see cref="FasterStateTable"/>: where a read copies the
/// value (the caller's pinned span) and what the operation found. When an operation goes
/// pending FASTER keeps a copy of this struct and hands it to the completion callback, which
/// writes it back through the context pointer; so the caller always reads its own instance.
/// </summary>
internal unsafe struct ValueSink
{
    /// <summary>Caller's buffer, pinned for the whole operation (null when empty or probing).</summary>
    public byte* Destination;

    /// <summary>Bytes available at <see cref="Destination"/>; -1 for an existence probe (nothing is copied).</summary>
    public int Capacity;

    /// <summary>Length of the value found (read) or replaced (RMW); -1 when the key had no live value.</summary>
    public int Length;

    /// <summary><see cref="Length"/> after a merge found the key absent and its merger inserted nothing.</summary>
    public const int NothingInserted = -2;

    /// <summary>Length of the value an RMW wrote as a new record (insert or copy); -1 when it wrote none (in place, or declined).</summary>
    public int Written;

    /// <summary>Logical log address of the record a read found (to tell the live version of a key).</summary>
    public long Address;

    /// <summary>A sink that copies the value into <paramref name="destination"/>.</summary>
    public static ValueSink For(byte* destination, int capacity)
        => new() { Destination = destination, Capacity = capacity, Length = -1, Written = -1, Address = 0 };

    /// <summary>A sink that only learns whether the key is live, its value's length and its record's address.</summary>
    public static ValueSink Probe()
        => new() { Destination = null, Capacity = -1, Length = -1, Written = -1, Address = 0 };
}
