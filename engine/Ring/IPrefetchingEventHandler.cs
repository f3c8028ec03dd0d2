namespace Attribution.Engine.Ring;

/// <summary>
/// A handler that can start loading what an event will need before the event's turn: the processor shows it
/// the event <see cref="BatchEventProcessor{T, THandler}.PrefetchDistance"/> places ahead in the current batch
/// (events already published), so a cache miss overlaps the events in between instead of stalling its own.
/// </summary>
internal interface IPrefetchingEventHandler<T> where T : struct
{
    /// <summary>Hints at what <paramref name="evt"/> will touch. Must not change anything or throw.</summary>
    void Prefetch(ref T evt);
}
