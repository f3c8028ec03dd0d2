using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// A preallocated ring of <typeparamref name="T"/> slots in the LMAX Disruptor design. Producers claim a
/// sequence (<see cref="Next()"/>), write the slot in place through <see cref="this[long]"/>, and
/// <see cref="Publish(long)"/> it; consumers read slots up to what their <see cref="SequenceBarrier"/>
/// reports. Nothing is allocated or copied per event.
/// </summary>
/// <example>
/// <code>
/// long seq = ring.Next();
/// ref EventRecord slot = ref ring[seq];
/// slot.Reset(); /* decode into slot */
/// ring.Publish(seq);
/// </code>
/// </example>
internal sealed class RingBuffer<T> where T : struct
{
    // Extra slots on both ends keep slot 0 and the last slot off cache lines shared with other heap objects.
    private static readonly int SlotPadding = Padding.CacheLine / Math.Max(1, Unsafe.SizeOf<T>()) + 1;

    private readonly T[] _slots;
    private readonly long _mask;
    // Exactly one is set; calling through the sealed type keeps claim and publish inlinable.
    private readonly SingleProducerSequencer? _single;
    private readonly MultiProducerSequencer? _multi;

    /// <summary>
    /// Creates a ring of <paramref name="bufferSize"/> slots (a power of two) for <paramref name="producerType"/>
    /// producers; consumers wait with <paramref name="waitStrategy"/> (default <see cref="YieldingWaitStrategy"/>).
    /// </summary>
    public RingBuffer(int bufferSize, ProducerType producerType = ProducerType.Single, IWaitStrategy? waitStrategy = null)
    {
        RingSize.Validate(bufferSize, nameof(bufferSize));
        waitStrategy ??= new YieldingWaitStrategy();
        switch (producerType)
        {
            case ProducerType.Single:
                _single = new SingleProducerSequencer(bufferSize, waitStrategy);
                Sequencer = _single;
                break;
            case ProducerType.Multi:
                _multi = new MultiProducerSequencer(bufferSize, waitStrategy);
                Sequencer = _multi;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(producerType), producerType,
                    "The producer type must be ProducerType.Single or ProducerType.Multi.");
        }
        _mask = bufferSize - 1;
        _slots = new T[bufferSize + 2 * SlotPadding];
        // A large array comes as fresh, untouched pages: writing it now takes their page faults here,
        // at open, instead of on the first lap of events (one fault per 4 KiB, ~14k for 65,536 slots of 856 B).
        Array.Clear(_slots);
        ProducerType = producerType;
    }

    /// <summary>Number of slots.</summary>
    public int BufferSize => Sequencer.BufferSize;

    /// <summary>The claim/publish protocol behind this ring.</summary>
    public Sequencer Sequencer { get; }

    /// <summary>Single or multi producer.</summary>
    public ProducerType ProducerType { get; }

    /// <summary>The producer cursor (see <see cref="Sequencer.Cursor"/>).</summary>
    public long Cursor => Sequencer.Cursor.Value;

    /// <summary>Free slots right now.</summary>
    public long RemainingCapacity => Sequencer.RemainingCapacity;

    /// <summary>
    /// The slot for <paramref name="sequence"/>. Write it only between claiming and publishing the
    /// sequence; read it only while your barrier says it is available and you have not yet moved
    /// your own sequence past it.
    /// </summary>
    public ref T this[long sequence]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), SlotPadding + (int)(sequence & _mask));
    }

    /// <summary>Claims the next slot, waiting (spin, then yield) while the ring is full; returns its sequence.</summary>
    /// <exception cref="ProcessorHaltedException">A gating consumer halted on an error, so space will never free up.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Next() => _single is not null ? _single.Next() : _multi!.Next();

    /// <summary>Makes a claimed, written slot visible to consumers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Publish(long sequence)
    {
        if (_single is not null)
        {
            _single.Publish(sequence);
        }
        else
        {
            _multi!.Publish(sequence);
        }
    }

    /// <summary>A barrier on the cursor, one per consumer.</summary>
    public SequenceBarrier NewBarrier() => SequenceBarrier.Create(Sequencer);

    /// <summary>Adds consumer sequences producers must not lap.</summary>
    public void AddGatingSequences(params Sequence[] sequences) => Sequencer.AddGatingSequences(sequences);
}
