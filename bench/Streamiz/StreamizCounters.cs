namespace Attribution.Bench.Streamiz;

/// <summary>What the Streamiz job saw, shared by its transformer instances (one per task) and read by the bench.</summary>
internal sealed class StreamizCounters
{
    private long _processed;
    private long _attributed;
    private long _firstTicks;
    private long _lastTicks;
    private long _halfTicks;

    /// <summary>Input records processed.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Attributions forwarded to the output topic.</summary>
    public long Attributed => Interlocked.Read(ref _attributed);

    /// <summary>Conversions dropped because their id was already attributed for the user.</summary>
    public long Duplicates;

    /// <summary>Input records that were not a valid click or conversion.</summary>
    public long Invalid;

    /// <summary>Stopwatch ticks of the first record processed (0 until then).</summary>
    public long FirstTicks => Interlocked.Read(ref _firstTicks);

    /// <summary>Records after which <see cref="HalfTicks"/> is taken (half the backlog; 0 for none).</summary>
    public long HalfMark { get; init; }

    /// <summary>Stopwatch ticks when <see cref="HalfMark"/> records were processed (0 until then).</summary>
    public long HalfTicks => Interlocked.Read(ref _halfTicks);

    /// <summary>Stopwatch ticks of the latest record processed.</summary>
    public long LastTicks => Interlocked.Read(ref _lastTicks);

    /// <summary>Counts one processed record.</summary>
    public void OnProcessed(bool attributed)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _firstTicks, now, 0);
        Interlocked.Exchange(ref _lastTicks, now);
        if (Interlocked.Increment(ref _processed) == HalfMark)
        {
            Interlocked.Exchange(ref _halfTicks, now);
        }
        if (attributed)
        {
            Interlocked.Increment(ref _attributed);
        }
    }
}
