using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// A position in the ring (a producer cursor or a consumer's progress), padded against false
/// sharing. Reads are acquire, writes release: whatever a thread wrote to a slot before
/// moving a sequence past it is visible to a thread that reads the new value.
/// </summary>
internal sealed class Sequence
{
    /// <summary>Value before anything is claimed or processed.</summary>
    public const long InitialValue = -1;

    private PaddedLong _slot;

    /// <summary>Creates a sequence at <paramref name="initialValue"/>.</summary>
    public Sequence(long initialValue = InitialValue)
    {
        _slot.Value = initialValue;
    }

    /// <summary>The current value (acquire read / release write).</summary>
    public long Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _slot.Value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Volatile.Write(ref _slot.Value, value);
    }

    /// <summary>Atomically sets the value to <paramref name="next"/> when it equals <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CompareAndSet(long expected, long next)
        => Interlocked.CompareExchange(ref _slot.Value, next, expected) == expected;

    /// <summary>Atomically adds <paramref name="delta"/> and returns the new value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long AddAndGet(long delta) => Interlocked.Add(ref _slot.Value, delta);

    /// <summary>The value's storage, for the layout test.</summary>
    internal ref long ValueRef => ref _slot.Value;

    /// <summary>The smallest value of <paramref name="sequences"/>, or <paramref name="whenEmpty"/> when there are none.</summary>
    public static long Minimum(Sequence[] sequences, long whenEmpty)
    {
        long min = long.MaxValue;
        for (int i = 0; i < sequences.Length; i++)
        {
            long v = sequences[i].Value;
            if (v < min)
            {
                min = v;
            }
        }
        return sequences.Length == 0 ? whenEmpty : min;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
