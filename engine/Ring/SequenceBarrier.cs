using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// What a consumer waits on: the ring's cursor, plus an alert flag used to stop the consumer. Create one per consumer with
/// <see cref="RingBuffer{T}.NewBarrier"/>; its wait loop is compiled for the ring's wait strategy.
/// </summary>
internal abstract class SequenceBarrier
{
    private readonly Sequence _cursor;
    // Set only for a multi-producer ring: a claimed slot may still be unpublished.
    private readonly MultiProducerSequencer? _multi;
    private readonly IWaitStrategy _signal;
    private volatile bool _alerted;

    private protected SequenceBarrier(Sequencer sequencer)
    {
        ArgumentNullException.ThrowIfNull(sequencer);
        Sequencer = sequencer;
        _cursor = sequencer.Cursor;
        _multi = sequencer as MultiProducerSequencer;
        _signal = sequencer.WaitStrategy;
    }

    /// <summary>The sequencer whose slots this barrier guards.</summary>
    public Sequencer Sequencer { get; }

    /// <summary>The ring's cursor (highest published for a single producer, highest claimed for many).</summary>
    public long CursorValue
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _cursor.Value;
    }

    /// <summary>True after <see cref="Alert"/> until <see cref="ClearAlert"/>.</summary>
    public bool IsAlerted => _alerted;

    /// <summary>Makes waiting consumers return (used to stop them); wakes blocked ones.</summary>
    public void Alert()
    {
        _alerted = true;
        _signal.SignalAllWhenBlocking();
    }

    /// <summary>Clears the alert before a consumer is started again.</summary>
    public void ClearAlert() => _alerted = false;

    /// <summary>
    /// Waits until <paramref name="sequence"/> can be read and returns the highest sequence that can be read
    /// (at least <paramref name="sequence"/>; reading up to it is one batch). Returns a smaller value only
    /// when the barrier is alerted and nothing at or above <paramref name="sequence"/> is available.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long WaitFor(long sequence)
    {
        long available = CursorValue;
        if (available >= sequence)
        {
            long published = HighestPublished(sequence, available);
            if (published >= sequence)
            {
                return published;
            }
        }
        return WaitForSlow(sequence);
    }

    /// <summary>The waiting part of <see cref="WaitFor"/>, compiled per wait strategy.</summary>
    private protected abstract long WaitForSlow(long sequence);

    /// <summary>For a multi-producer ring: the end of the contiguous published run from <paramref name="lo"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected long HighestPublished(long lo, long available)
        => _multi is null ? available : _multi.GetHighestPublishedSequence(lo, available);

    /// <summary>Creates a barrier specialised for the sequencer's wait strategy.</summary>
    internal static SequenceBarrier Create(Sequencer sequencer) => sequencer.WaitStrategy switch
    {
        YieldingWaitStrategy s => new WaitingSequenceBarrier<YieldingWaitStrategy>(s, sequencer),
        BusySpinWaitStrategy s => new WaitingSequenceBarrier<BusySpinWaitStrategy>(s, sequencer),
        SleepingWaitStrategy s => new WaitingSequenceBarrier<SleepingWaitStrategy>(s, sequencer),
        BlockingWaitStrategy s => new WaitingSequenceBarrier<BlockingWaitStrategy>(s, sequencer),
        // A user strategy: same loop, called through the interface.
        var s => new WaitingSequenceBarrier<IWaitStrategy>(s, sequencer),
    };
}
