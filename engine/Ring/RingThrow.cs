using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>Throws kept out of line so the hot methods that guard them stay small and inlinable.</summary>
internal static class RingThrow
{
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    public static void ConsumerHalted(HandlerFault fault) => throw new ProcessorHaltedException(fault);
}
