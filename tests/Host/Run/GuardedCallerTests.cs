using Attribution.Host.Run;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The producer's blocking calls run on one long-lived caller thread: a call's exception reaches the transaction loop,
/// and a call that hangs past its limit is reported at the limit (not when it returns), after which the abandoned
/// caller cleans up only once the call finally returns.
/// </summary>
public class GuardedCallerTests
{
    [Test]
    public void A_call_runs_on_the_caller_thread_and_its_exception_reaches_the_waiting_thread()
    {
        using var caller = new GuardedCaller();
        string? thread = null;
        Assert.That(caller.TryCall(() => thread = Thread.CurrentThread.Name, TimeSpan.FromSeconds(30), () => { }), Is.True);
        Assert.That(thread, Is.EqualTo("attribution-producer-calls"));
        var e = Assert.Throws<KafkaException>(() => caller.TryCall(() => throw new KafkaException(ErrorCode.Local_Transport), TimeSpan.FromSeconds(30), () => { }));
        Assert.That(e!.Error.Code, Is.EqualTo(ErrorCode.Local_Transport));
        Assert.That(caller.TryCall(() => { }, TimeSpan.FromSeconds(30), () => { }), Is.True, "the caller goes on after a failed call");
    }

    [Test]
    public void A_call_hanging_past_its_limit_is_reported_at_the_limit_and_cleaned_up_when_it_returns()
    {
        var caller = new GuardedCaller();
        using var release = new ManualResetEventSlim(false);
        using var cleaned = new ManualResetEventSlim(false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool returned = caller.TryCall(() => release.Wait(), TimeSpan.FromMilliseconds(300), cleaned.Set);
        var waited = clock.Elapsed;
        Assert.That(returned, Is.False, "the hanging call is reported");
        Assert.That(waited, Is.LessThan(TimeSpan.FromSeconds(20)), "at its limit, not when it returns");
        Assert.That(cleaned.IsSet, Is.False, "no clean-up while the call still runs");
        Assert.Throws<ObjectDisposedException>(() => caller.TryCall(() => { }, TimeSpan.FromSeconds(1), () => { }), "an abandoned caller takes no more calls");
        release.Set();
        Assert.That(cleaned.Wait(TimeSpan.FromSeconds(30)), Is.True, "the clean-up runs once the call returns");
        caller.Dispose();
    }
}
