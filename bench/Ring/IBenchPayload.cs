namespace Attribution.Bench.Ring;

/// <summary>How a hand-off benchmark writes and reads one event of type <typeparamref name="T"/> (static, so the JIT specialises).</summary>
internal interface IBenchPayload<T> where T : struct
{
    /// <summary>Short name for the tables.</summary>
    static abstract string Name { get; }

    /// <summary>Writes event <paramref name="index"/> in place, with its latency stamp (Stopwatch ticks, or 0).</summary>
    static abstract void Fill(ref T evt, long index, long stamp);

    /// <summary>The stamp written by <see cref="Fill"/>.</summary>
    static abstract long StampOf(ref T evt);

    /// <summary>Reads what a real consumer would read; the result feeds a checksum so nothing is optimised away.</summary>
    static abstract long Touch(ref T evt);
}
