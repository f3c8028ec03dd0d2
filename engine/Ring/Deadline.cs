using System.Diagnostics;

namespace Attribution.Engine.Ring;

/// <summary>Timeouts turned into Stopwatch deadlines, so waits over several objects share one budget.</summary>
internal static class Deadline
{
    /// <summary>The Stopwatch timestamp <paramref name="timeout"/> from now; <see cref="Timeout.InfiniteTimeSpan"/> or huge values never pass.</summary>
    public static long After(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan || timeout.TotalDays > 365)
        {
            return long.MaxValue;
        }
        return Stopwatch.GetTimestamp() + (long)(Math.Max(0, timeout.TotalSeconds) * Stopwatch.Frequency);
    }

    /// <summary>Milliseconds left until <paramref name="deadline"/> (0 when passed), capped for Monitor.Wait.</summary>
    public static int RemainingMilliseconds(long deadline)
    {
        if (deadline == long.MaxValue)
        {
            return int.MaxValue;
        }
        long ticks = deadline - Stopwatch.GetTimestamp();
        if (ticks <= 0)
        {
            return 0;
        }
        return (int)Math.Min(int.MaxValue - 1, (ticks * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
    }

    /// <summary>Time left until <paramref name="deadline"/> as a TimeSpan (infinite for a never-passing deadline).</summary>
    public static TimeSpan Remaining(long deadline)
        => deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(RemainingMilliseconds(deadline));

    /// <summary>True once <paramref name="deadline"/> has passed.</summary>
    public static bool HasPassed(long deadline) => deadline != long.MaxValue && Stopwatch.GetTimestamp() > deadline;
}
