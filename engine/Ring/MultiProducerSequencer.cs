using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// Sequencer for any number of concurrent producers. A claim is one atomic add on the cursor;
/// because claims complete out of order, each slot has an availability flag (the lap number of the
/// sequence that last published into it), and consumers read only the contiguous published run.
/// </summary>
internal sealed class MultiProducerSequencer : Sequencer
{
    private readonly int[] _available;
    private readonly int _indexMask;
    private readonly int _lapShift;
    // Shared by all producers; a stale (low) value only costs a re-read of the gating sequences.
    private readonly Sequence _gateCache = new();

    /// <summary>Creates a sequencer for a ring of <paramref name="bufferSize"/> slots (a power of two).</summary>
    public MultiProducerSequencer(int bufferSize, IWaitStrategy waitStrategy)
        : base(bufferSize, waitStrategy)
    {
        _indexMask = bufferSize - 1;
        _lapShift = BitOperations.Log2((uint)bufferSize);
        _available = new int[bufferSize];
        // No sequence has lap -1, so every slot starts unpublished.
        _available.AsSpan().Fill(-1);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Next()
    {
        // Claim first, then wait for room: a claim never fails, so there is no CAS retry loop under contention.
        long next = Cursor.AddAndGet(1);
        long wrapPoint = next - BufferSize;
        if (wrapPoint > _gateCache.Value)
        {
            WaitForSpace(wrapPoint, next - 1);
        }
        return next;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WaitForSpace(long wrapPoint, long claimedBefore)
    {
        var spinner = default(SpinThenYield);
        long gate;
        while (wrapPoint > (gate = Sequence.Minimum(Gating, claimedBefore)))
        {
            ThrowIfConsumerHalted();
            spinner.SpinOnce();
        }
        _gateCache.Value = gate;
    }

    /// <summary>Publishes one claimed sequence.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(long sequence)
    {
        MarkPublished(sequence);
        SignalConsumers();
    }

    // Release store: the slot's contents are visible before its flag says so.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MarkPublished(long sequence)
        => Volatile.Write(ref Flag(sequence), (int)(sequence >>> _lapShift));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int Flag(long sequence)
        => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_available), (int)sequence & _indexMask);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override bool IsAvailable(long sequence)
        => Volatile.Read(ref Flag(sequence)) == (int)(sequence >>> _lapShift);

    /// <inheritdoc />
    public override long GetHighestPublishedSequence(long lo, long available)
    {
        for (long s = lo; s <= available; s++)
        {
            if (!IsAvailable(s))
            {
                return s - 1;
            }
        }
        return available;
    }
}
