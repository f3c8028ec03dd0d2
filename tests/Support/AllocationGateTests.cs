using NUnit.Framework.Internal;

namespace Attribution.Tests.Support;

/// <summary>The gate sees an allocation of the measured thread, ignores other threads, and fails with the number.</summary>
public class AllocationGateTests
{
    private static object? s_kept;

    [Test]
    public void Measure_reports_the_bytes_the_measured_action_allocates()
    {
        long bytes = AllocationGate.Measure(() => s_kept = new byte[1_000]);
        TestContext.Out.WriteLine($"a 1,000-byte array measured as {bytes} B");
        Assert.That(bytes, Is.InRange(1_000, 1_100), "the array's payload plus its header");
    }

    [Test]
    public void Measure_does_not_count_what_another_thread_allocates()
    {
        long bytes = AllocationGate.Measure(AllocateOnAnotherThread);
        Assert.That(bytes, Is.LessThan(100_000), "only the calling thread's bytes count");
    }

    [Test]
    public void AssertNone_fails_with_the_measured_number()
    {
        long bytes = AllocationGate.Measure(() => s_kept = new string('x', 200));
        string? message = null;
        using (new TestExecutionContext.IsolatedContext())
        {
            try
            {
                AllocationGate.AssertNone(bytes, "a 200-char string");
            }
            catch (AssertionException e)
            {
                message = e.Message;
            }
        }
        Assert.That(message, Does.Contain($"a 200-char string: {bytes:N0} B allocated"));
    }

    [Test]
    public void AssertSteadyState_fails_when_every_window_allocates_and_names_each_window()
    {
        int windows = 0;
        string? message = null;
        using (new TestExecutionContext.IsolatedContext())
        {
            try
            {
                AllocationGate.AssertSteadyState("allocating windows", () => { windows++; s_kept = new byte[500]; });
            }
            catch (AssertionException e)
            {
                message = e.Message;
            }
        }
        Assert.That(windows, Is.EqualTo(3));
        Assert.That(message, Does.Match(@"allocating windows: (\d{3}) B, \1 B, \1 B allocated in 3 consecutive windows"));
    }

    [Test]
    public void AssertSteadyState_passes_at_the_first_window_without_allocation()
    {
        int windows = 0;
        AllocationGate.AssertSteadyState("one dirty window", () =>
        {
            if (++windows == 1)
            {
                s_kept = new byte[500];
            }
        });
        Assert.That(windows, Is.EqualTo(2));
    }

    private static void AllocateOnAnotherThread()
    {
        var other = new Thread(() => s_kept = new byte[100_000]);
        other.Start();
        other.Join();
    }
}
