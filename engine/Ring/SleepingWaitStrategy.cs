namespace Attribution.Engine.Ring;

/// <summary>
/// Spins, then yields, then sleeps 1 ms between checks: nearly no CPU when idle, up to about a
/// millisecond of hand-off latency after a quiet period. Suits background stages and embedders
/// that value idle CPU over latency. Publishers never signal.
/// </summary>
internal readonly struct SleepingWaitStrategy : IWaitStrategy
{
    /// <summary>Checks made with a pause before yielding.</summary>
    public const int SpinTries = 100;

    /// <summary>Checks made with a yield before sleeping.</summary>
    public const int YieldTries = 100;

    /// <inheritdoc />
    public bool IsBlocking => false;

    /// <inheritdoc />
    public long WaitFor(long sequence, SequenceBarrier barrier)
    {
        long available;
        int tries = 0;
        while ((available = barrier.CursorValue) < sequence)
        {
            if (barrier.IsAlerted)
            {
                return barrier.CursorValue;
            }
            if (tries < SpinTries)
            {
                Thread.SpinWait(1);
            }
            else if (tries < SpinTries + YieldTries)
            {
                Thread.Yield();
            }
            else
            {
                Thread.Sleep(1);
                continue;
            }
            tries++;
        }
        return available;
    }

    /// <inheritdoc />
    public void SignalAllWhenBlocking()
    {
    }
}
