namespace Attribution.Engine.Ring;

/// <summary>
/// Handles events of a ring on a <see cref="BatchEventProcessor{T, THandler}"/>'s thread. Implement it on
/// a struct or a sealed class: the processor is generic over the handler, so the JIT calls it directly
/// (and inlines it for a struct). The hooks are required members, not default methods, because calling
/// a default interface method on a struct boxes it; leave the ones you do not need empty.
/// </summary>
internal interface IEventHandler<T> where T : struct
{
    /// <summary>Handles one event in place. <paramref name="endOfBatch"/> is true on the last event
    /// currently available (a good moment to flush). Do not keep the reference after returning.</summary>
    void OnEvent(ref T evt, long sequence, bool endOfBatch);

    /// <summary>Called before each batch with the number of events in it.</summary>
    void OnBatchStart(long batchSize);

    /// <summary>Called on the processor thread before the first event.</summary>
    void OnStart();

    /// <summary>Called on the processor thread after the last event, when the processor stops.</summary>
    void OnShutdown();
}
