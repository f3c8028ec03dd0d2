using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Attribution.Engine.Codecs;

/// <summary>Throws for writer misuse (records that no reader produced), kept out of line so the write paths stay small.</summary>
internal static class CodecThrow
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void NotAConversion(string paramName)
        => throw new ArgumentException("An attributed conversion is written from a decoded conversion record (Kind == Conversion).", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void NotAnEvent(string paramName)
        => throw new ArgumentException("Only decoded click or conversion records can be written (Kind is None).", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void InvalidValueText(string paramName)
        => throw new ArgumentException("The record's value is not a JSON number text; readers never produce such records.", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void WindowNotFinite(double windowHours)
        => throw new ArgumentOutOfRangeException(nameof(windowHours), windowHours, "The attribution window must be a finite number of hours.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void BufferWriterTooSmall()
        => throw new InvalidOperationException("The IBufferWriter returned a span smaller than the size it was asked for.");
}
