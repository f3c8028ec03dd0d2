using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// Spins briefly, then yields the core between checks: near busy-spin latency when a core is free,
/// and it lets other threads run when cores are oversubscribed. The default.
/// </summary>
internal readonly struct YieldingWaitStrategy : IWaitStrategy
{
    /// <summary>Checks made with a pause before the strategy starts yielding.</summary>
    public const int SpinTries = 100;

    /// <inheritdoc />
    public bool IsBlocking => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
                tries++;
                Thread.SpinWait(1);
            }
            else
            {
                Thread.Yield();
            }
        }
        return available;
    }

    /// <inheritdoc />
    public void SignalAllWhenBlocking()
    {
    }
}
