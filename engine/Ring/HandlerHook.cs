namespace Attribution.Engine.Ring;

/// <summary>Which handler callback threw.</summary>
public enum HandlerHook
{
    /// <summary><see cref="IEventHandler{T}.OnEvent"/>; the fault's sequence is the event's.</summary>
    Event = 0,
    /// <summary><see cref="IEventHandler{T}.OnBatchStart"/>; the fault's sequence is the batch's first.</summary>
    BatchStart = 1,
    /// <summary><see cref="IEventHandler{T}.OnStart"/>; no sequence (-1).</summary>
    Start = 2,
    /// <summary><see cref="IEventHandler{T}.OnShutdown"/>; the fault's sequence is the last processed.</summary>
    Shutdown = 3,
}
