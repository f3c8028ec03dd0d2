namespace Attribution.Engine.Ring;

/// <summary>
/// Decides what happens when an event handler throws. Called on the processor's thread, possibly by
/// several processors at once. A shard must never die silently: every policy reports the fault.
/// </summary>
internal interface IExceptionPolicy
{
    /// <summary>Reports <paramref name="fault"/> and says whether the processor continues or halts.
    /// For <see cref="HandlerHook.Shutdown"/> the answer is ignored (the processor is stopping).</summary>
    FaultAction OnHandlerException(HandlerFault fault);
}
