using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// Hands out ring sequences to producers and publishes them to consumers, never letting a producer
/// pass the slowest gating sequence (the consumers) by more than the ring size.
/// </summary>
internal abstract class Sequencer
{
    private Sequence[] _gating = [];
    private HandlerFault? _consumerFault;

    private protected Sequencer(int bufferSize, IWaitStrategy waitStrategy)
    {
        RingSize.Validate(bufferSize, nameof(bufferSize));
        ArgumentNullException.ThrowIfNull(waitStrategy);
        BufferSize = bufferSize;
        WaitStrategy = waitStrategy;
        SignalOnPublish = waitStrategy.IsBlocking;
    }

    /// <summary>Number of slots.</summary>
    public int BufferSize { get; }

    /// <summary>The strategy consumers wait with.</summary>
    public IWaitStrategy WaitStrategy { get; }

    /// <summary>The producer cursor: highest published (single producer) or highest claimed (multi producer).</summary>
    public Sequence Cursor { get; } = new();

    /// <summary>Set when a consumer halted on a handler error; producers that would wait for it throw instead.</summary>
    public HandlerFault? ConsumerFault => Volatile.Read(ref _consumerFault);

    /// <summary>True when publishers must wake blocked consumers.</summary>
    private protected bool SignalOnPublish { get; }

    /// <summary>The sequences a producer may not lap (read with acquire semantics; replaced copy-on-write).</summary>
    private protected Sequence[] Gating => Volatile.Read(ref _gating);

    /// <summary>Claims the next slot, waiting while the ring is full; returns its sequence.</summary>
    public abstract long Next();

    /// <summary>True when <paramref name="sequence"/> is published and not yet overwritten.</summary>
    public abstract bool IsAvailable(long sequence);

    /// <summary>The highest sequence from <paramref name="lo"/> up to <paramref name="available"/> with every slot published (lo - 1 if none).</summary>
    public abstract long GetHighestPublishedSequence(long lo, long available);

    /// <summary>Free slots right now (a snapshot; other threads move on).</summary>
    public long RemainingCapacity
    {
        get
        {
            long produced = Cursor.Value;
            long consumed = Sequence.Minimum(Gating, produced);
            return BufferSize - (produced - consumed);
        }
    }

    /// <summary>Adds sequences producers must not lap; each starts at the current cursor.</summary>
    public void AddGatingSequences(params Sequence[] sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        Sequence[] current, updated;
        do
        {
            current = Gating;
            updated = new Sequence[current.Length + sequences.Length];
            current.CopyTo(updated, 0);
            long cursor = Cursor.Value;
            for (int i = 0; i < sequences.Length; i++)
            {
                ArgumentNullException.ThrowIfNull(sequences[i], nameof(sequences));
                sequences[i].Value = cursor;
                updated[current.Length + i] = sequences[i];
            }
        }
        while (Interlocked.CompareExchange(ref _gating, updated, current) != current);
    }

    /// <summary>Records that a consumer halted on an error, so producers stop waiting for it (first fault wins).</summary>
    internal void ReportConsumerHalted(HandlerFault fault)
        => Interlocked.CompareExchange(ref _consumerFault, fault, null);

    /// <summary>Throws when a consumer halted; called only while a producer waits for space.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected void ThrowIfConsumerHalted()
    {
        HandlerFault? fault = Volatile.Read(ref _consumerFault);
        if (fault is not null)
        {
            RingThrow.ConsumerHalted(fault);
        }
    }

    /// <summary>Wakes blocked consumers when the wait strategy needs it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected void SignalConsumers()
    {
        if (SignalOnPublish)
        {
            WaitStrategy.SignalAllWhenBlocking();
        }
    }
}
