namespace Attribution.Engine.Ring;

/// <summary>
/// Consumers sleep on a monitor until a publisher signals: no CPU while idle, a few microseconds
/// of wake-up latency. Publishers pay a fence per publish and take the lock only while a consumer
/// is actually waiting.
/// </summary>
internal sealed class BlockingWaitStrategy : IWaitStrategy
{
    private readonly object _gate = new();
    private int _waiters;

    /// <inheritdoc />
    public bool IsBlocking => true;

    /// <inheritdoc />
    public long WaitFor(long sequence, SequenceBarrier barrier)
    {
        if (barrier.CursorValue < sequence)
        {
            lock (_gate)
            {
                // Announce before re-checking (Interlocked is a full fence); a publisher fences after
                // moving the cursor and before reading _waiters, so one of us always sees the other.
                Interlocked.Increment(ref _waiters);
                try
                {
                    while (barrier.CursorValue < sequence && !barrier.IsAlerted)
                    {
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _waiters);
                }
            }
        }

        // Re-read after the wait: the cursor reached the sequence, or the barrier was alerted and
        // everything published before the alert is included.
        return barrier.CursorValue;
    }

    /// <inheritdoc />
    public void SignalAllWhenBlocking()
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiters) != 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }
}
