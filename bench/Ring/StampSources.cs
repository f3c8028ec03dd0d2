using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Attribution.Bench.Ring;

/// <summary>Where a producer's latency stamp comes from (a struct, so the throughput loop pays nothing for it).</summary>
internal interface IStampSource
{
    /// <summary>The stamp for event <paramref name="index"/>; a paced source first waits for the event's start time.</summary>
    long Stamp(long index);
}

/// <summary>No stamp: pure throughput.</summary>
internal readonly struct NoStamp : IStampSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Stamp(long index) => 0;
}

/// <summary>Saturated producer: stamps the publish time and goes as fast as the queue lets it.</summary>
internal readonly struct NowStamp : IStampSource
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Stamp(long index) => Stopwatch.GetTimestamp();
}

/// <summary>
/// Paced producer: event i is due at start + i × interval and is stamped with that intended time, not the
/// actual send time. When the producer is held up (a full queue, a descheduled thread), the events that
/// should have been sent meanwhile carry the delay in their latency: no coordinated omission.
/// </summary>
internal readonly struct PacedStamp(long start, long intervalTicks) : IStampSource
{
    public long Stamp(long index)
    {
        long intended = start + index * intervalTicks;
        while (Stopwatch.GetTimestamp() < intended)
        {
            Thread.SpinWait(1);
        }
        return intended;
    }
}

/// <summary>
/// Paced like <see cref="PacedStamp"/>, but stamped with the actual send time: isolates the hand-off itself
/// (it hides the producer's own stalls, so read it next to the intended-time numbers, never instead of them).
/// </summary>
internal readonly struct PacedSendStamp(long start, long intervalTicks) : IStampSource
{
    public long Stamp(long index)
    {
        long intended = start + index * intervalTicks;
        long now;
        while ((now = Stopwatch.GetTimestamp()) < intended)
        {
            Thread.SpinWait(1);
        }
        return now;
    }
}
