using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Attribution.Bench.Engine;

/// <summary>
/// Sleeps the calling thread for tens of microseconds. Hand-written because .NET has no sleep finer than a millisecond
/// (Thread.Sleep(1) lasts about 1.1 ms on Linux), which is the whole latency budget of the paced run; nanosleep(2) from
/// libc wakes within the thread's timer slack (50 µs by default).
/// </summary>
internal static class ShortSleep
{
    /// <summary>Sleeps until Stopwatch reads <paramref name="until"/> or later (it may wake up to the timer slack after).</summary>
    public static void Until(long until)
    {
        while (true)
        {
            long left = until - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }
            long nanos = (long)(left * (1e9 / Stopwatch.Frequency));
            var request = new Timespec(nanos / 1_000_000_000, nanos % 1_000_000_000);
            // EINTR (a signal) or any other failure only ends this sleep early; the loop re-checks the time.
            _ = NanoSleep(in request, IntPtr.Zero);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Timespec(long Seconds, long Nanoseconds);

    [DllImport("libc", EntryPoint = "nanosleep")]
    private static extern int NanoSleep(in Timespec request, IntPtr remaining);
}
