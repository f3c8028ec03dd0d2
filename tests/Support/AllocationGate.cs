using System.Globalization;

namespace Attribution.Tests.Support;

/// <summary>
/// The one allocation gate of the suite, used by every zero-allocation test: bytes are read from the measured thread's own
/// allocation counter (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), so other threads (the test runner, timers, the
/// JIT's worker) never count, and a failure names the measured number.
/// </summary>
public static class AllocationGate
{
    /// <summary>Bytes allocated so far by the calling thread; read it twice on the thread being measured and subtract.</summary>
    public static long ThreadBytes() => GC.GetAllocatedBytesForCurrentThread();

    /// <summary>
    /// Runs <paramref name="warmUp"/> (JIT tiers, pools, buffers grown to their final size), then returns the bytes the calling
    /// thread allocated while <paramref name="measured"/> ran.
    /// </summary>
    public static long Measure(Action warmUp, Action measured)
    {
        ArgumentNullException.ThrowIfNull(warmUp);
        ArgumentNullException.ThrowIfNull(measured);
        warmUp();
        long before = ThreadBytes();
        measured();
        return ThreadBytes() - before;
    }

    /// <summary>Runs <paramref name="action"/> once to warm it up, then returns the bytes the calling thread allocated in a second run.</summary>
    public static long Measure(Action action) => Measure(action, action);

    /// <summary>Prints <paramref name="bytes"/> and fails, with the number, unless it is zero.</summary>
    /// <param name="bytes">What a measurement returned (never a literal).</param>
    /// <param name="what">The measured work and thread, e.g. "1,000,000 decodes on the test thread".</param>
    public static void AssertNone(long bytes, string what)
    {
        string measured = $"{what}: {bytes.ToString("N0", CultureInfo.InvariantCulture)} B allocated";
        TestContext.Out.WriteLine(measured);
        Assert.That(bytes, Is.Zero, measured + " (zero expected after warm-up)");
    }

    /// <summary>
    /// Steady-state check: measures up to <paramref name="windows"/> consecutive runs of <paramref name="window"/> (the same
    /// work each time) and passes at the first that allocates nothing; fails with every window's bytes. An allocation per
    /// event, or one that recurs within a window, dirties every window and fails. A one-off dirties one window only: under
    /// heavy CPU load the submitting thread was charged 168 B to 8 KB in 5 of about 650 one-window runs (also with tiered
    /// compilation off, and after a warm-up of 2,048 submits); its source is not known.
    /// </summary>
    public static void AssertSteadyState(string what, Action window, int windows = 3)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 1);
        var bytes = new long[windows];
        int ran = 0;
        while (ran < windows && (ran == 0 || bytes[ran - 1] != 0))
        {
            long before = ThreadBytes();
            window();
            bytes[ran++] = ThreadBytes() - before;
        }
        string measured = string.Join(", ", bytes.Take(ran).Select(b => b.ToString("N0", CultureInfo.InvariantCulture) + " B"));
        TestContext.Out.WriteLine($"{what}: {measured} allocated, window by window");
        Assert.That(bytes[ran - 1], Is.Zero, $"{what}: {measured} allocated in {ran} consecutive windows (a window without allocation expected after warm-up)");
    }
}
