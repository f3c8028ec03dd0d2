using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>Throws for <see cref="FasterStateTable"/>, kept out of line so the hot paths stay small.</summary>
internal static class FasterThrow
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void BadKeyLength(int length)
        => throw new ArgumentException($"A state key must be 1 to {IStateTable.MaxKeyBytes} bytes; this one is {length}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ValueTooLong(int length)
        => throw new ArgumentException($"A state value must be at most {IStateTable.MaxValueBytes} bytes; this one is {length}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void DestinationTooSmall(int capacity, int needed)
        => throw new ArgumentException($"The destination holds {capacity} bytes but the stored value is {needed}; pass a buffer of IStateTable.MaxValueBytes.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void OperationFailed(string operation, Status status)
        => throw new InvalidOperationException($"FASTER {operation} failed with status {status}.");
}
