using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Attribution.Engine.Attribution;

/// <summary>Throws kept out of line so the hot paths that check stay small and inlinable.</summary>
internal static class AttributionThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowPartitionCount(int partitions)
        => throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "The partition count must be positive.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowPartition(int partition)
        => throw new ArgumentOutOfRangeException(nameof(partition), partition,
            $"A state partition must be between 0 and {PartitionWatermarks.MaxPartitions - 1}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowBadRecord(string problem)
        => throw new ArgumentException($"The record cannot be attributed: {problem}. Only records the decoder accepted may be processed.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowCorruptState(string problem)
        => throw new InvalidDataException($"Attribution state is corrupt: {problem}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowRejectReason(int reason)
        => throw new ArgumentOutOfRangeException(nameof(reason), reason, "Not a reject reason (None is not a rejection).");
}
