namespace Attribution.Engine.Ring;

/// <summary>
/// A <see cref="SequenceBarrier"/> whose wait loop is generic over the wait strategy, so for the
/// built-in struct strategies the JIT inlines the strategy with no interface call.
/// </summary>
internal sealed class WaitingSequenceBarrier<TWait> : SequenceBarrier
    where TWait : IWaitStrategy
{
    // Not readonly: calling a method on a readonly struct field of a non-readonly type would copy it.
    private TWait _wait;

    public WaitingSequenceBarrier(TWait wait, Sequencer sequencer)
        : base(sequencer)
    {
        _wait = wait;
    }

    private protected override long WaitForSlow(long sequence)
    {
        var gap = default(SpinThenYield);
        while (true)
        {
            long available = _wait.WaitFor(sequence, this);
            if (available < sequence)
            {
                return available; // alerted
            }
            long published = HighestPublished(sequence, available);
            if (published >= sequence)
            {
                return published;
            }
            // Claimed by a producer that has not published yet: a short gap, unless producers were
            // stopped mid-claim; an alert ends the wait then.
            if (IsAlerted)
            {
                return published;
            }
            gap.SpinOnce();
        }
    }
}
