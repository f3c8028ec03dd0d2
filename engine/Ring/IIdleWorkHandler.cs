namespace Attribution.Engine.Ring;

/// <summary>
/// A handler with deferred work of its own (e.g. removing expired state) that it would rather do while no event is
/// waiting than between events: when its processor finds the ring empty it calls <see cref="OnIdle"/> instead of
/// waiting, and checks the ring again after each call. Like the LMAX Disruptor's timeout hook, but driven by an empty
/// ring rather than a timer, so a handler under a steady load below its peak does its deferred work in the gaps.
/// </summary>
internal interface IIdleWorkHandler
{
    /// <summary>
    /// Does one short piece of deferred work (it delays an event that arrives meanwhile by at most that long);
    /// false when there is none, and the processor then waits for events as usual. Must not throw.
    /// </summary>
    bool OnIdle();
}
