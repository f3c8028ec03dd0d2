using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>Throws kept out of line so the hot methods that guard them stay small and inlinable.</summary>
internal static class RingThrow
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ClaimCountOutOfRange(int n, int bufferSize)
        => throw new ArgumentOutOfRangeException(nameof(n), n,
            $"A claim must be for at least 1 and at most bufferSize ({bufferSize}) slots; got {n}.");

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ConsumerHalted(HandlerFault fault) => throw new ProcessorHaltedException(fault);
}
