using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// Spins on the cursor without ever giving up the core: the lowest hand-off latency, at the
/// price of one core per waiting consumer. Use only with a core per thread.
/// </summary>
internal readonly struct BusySpinWaitStrategy : IWaitStrategy
{
    /// <inheritdoc />
    public bool IsBlocking => false;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long WaitFor(long sequence, SequenceBarrier barrier)
    {
        long available;
        while ((available = barrier.CursorValue) < sequence)
        {
            if (barrier.IsAlerted)
            {
                return barrier.CursorValue;
            }
            // A pause instruction: lets the sibling hyper-thread run and saves power while spinning.
            Thread.SpinWait(1);
        }
        return available;
    }

    /// <inheritdoc />
    public void SignalAllWhenBlocking()
    {
    }
}
