using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// Sequencer for one producer thread at a time: claiming is plain arithmetic on producer-private
/// fields, publishing is one release store of the cursor. Not safe for concurrent producers;
/// use <see cref="MultiProducerSequencer"/> for those.
/// </summary>
internal sealed class SingleProducerSequencer : Sequencer
{
    private ProducerPosition _position;

    /// <summary>Creates a sequencer for a ring of <paramref name="bufferSize"/> slots (a power of two).</summary>
    public SingleProducerSequencer(int bufferSize, IWaitStrategy waitStrategy)
        : base(bufferSize, waitStrategy)
    {
        _position.Claimed = Sequence.InitialValue;
        _position.CachedGate = Sequence.InitialValue;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next()
    {
        long claimed = _position.Claimed;
        long next = claimed + 1;
        // The claim may not lap the slowest consumer: slot next - size must be consumed.
        if (next - BufferSize > _position.CachedGate)
        {
            WaitForSpace(next - BufferSize, claimed);
        }
        _position.Claimed = next;
        return next;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForSpace(long wrapPoint, long claimed)
    {
        var spinner = default(SpinThenYield);
        long gate;
        while (wrapPoint > (gate = Sequence.Minimum(Gating, claimed)))
        {
            ThrowIfConsumerHalted();
            spinner.SpinOnce();
        }
        _position.CachedGate = gate;
    }

    /// <summary>Publishes one claimed sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(long sequence)
    {
        Cursor.Value = sequence;
        SignalConsumers();
    }

    /// <inheritdoc />
    public override bool IsAvailable(long sequence)
    {
        long cursor = Cursor.Value;
        return sequence <= cursor && sequence > cursor - BufferSize;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long GetHighestPublishedSequence(long lo, long available) => available;
}
