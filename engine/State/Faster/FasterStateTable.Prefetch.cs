using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Intrinsics.X86;
using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed unsafe partial class FasterStateTable
{
    // Where FASTER's hash index lies, for Prefetch. A shard thread spends about 28 % of its time in the index
    // look-ups of its state operations, nearly all of it waiting for the bucket's cache line (bench/RESULTS.md,
    // Stage 8 third round). FASTER has no prefetch of its own and does not expose the index, so its address is
    // read once from FASTER's internal fields; if they are not where this expects (another FASTER version),
    // Prefetch does nothing. A prefetch is only a hint: a wrong address can cost a cache line, never a fault.
    private IFasterEqualityComparer<SpanByte>? _comparer;
    private byte* _buckets;
    private long _bucketMask;

    /// <summary>Whether <see cref="Prefetch"/> found FASTER's index (false: it does nothing).</summary>
    internal bool CanPrefetch => _buckets != null;

    /// <inheritdoc />
    /// <remarks>Asks the CPU to load the key's hash bucket into its cache, so that the look-up a little later does not wait for it.</remarks>
    public void Prefetch(ReadOnlySpan<byte> key)
    {
        if (Sse.IsSupported && !key.IsEmpty && BucketOf(key) is var bucket && bucket != null)
        {
            Sse.Prefetch0(bucket);
        }
    }

    /// <summary>The address of the hash bucket <paramref name="key"/> hashes to, or null (tests check it against FASTER's own entries).</summary>
    internal byte* BucketOf(ReadOnlySpan<byte> key)
    {
        if (_buckets == null)
        {
            return null;
        }
        fixed (byte* k = key)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            return _buckets + ((_comparer!.GetHashCode64(ref keyBytes) & _bucketMask) * BucketBytes);
        }
    }

    /// <summary>Bytes of one FASTER hash bucket (8 entries of 8 bytes).</summary>
    internal const int BucketBytes = 64;

    // FASTER keeps two versions of its index for resizing (FasterBase.state[resizeInfo.version]); this table never resizes it.
    // The fields are kept through trimming (the NativeAOT library) by the dependencies below; were they gone, prefetching is off.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields, "FASTER.core.InternalHashTable", "FASTER.core")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields, "FASTER.core.ResizeInfo", "FASTER.core")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields, typeof(FasterBase))]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The fields are kept by the DynamicDependency attributes; a missing field turns prefetching off.")]
    private void FindIndexForPrefetch()
    {
        try
        {
            const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            FieldInfo? stateField = typeof(FasterBase).GetField("state", Any);
            FieldInfo? resizeField = typeof(FasterBase).GetField("resizeInfo", Any);
            if (stateField?.GetValue(_store) is not Array state || resizeField?.GetValue(_store) is not { } resize)
            {
                return;
            }
            if (resize.GetType().GetField("version", Any)?.GetValue(resize) is not int version || (uint)version >= (uint)state.Length)
            {
                return;
            }
            object? table = state.GetValue(version);
            Type? type = table?.GetType();
            if (type?.GetField("size_mask", Any)?.GetValue(table) is not long mask || type.GetField("tableAligned", Any)?.GetValue(table) is not { } pointer)
            {
                return;
            }
            byte* buckets = (byte*)Pointer.Unbox(pointer);
            if (buckets != null && mask == _options.IndexBuckets - 1)
            {
                _buckets = buckets;
                _bucketMask = mask;
            }
        }
        catch (Exception e) when (e is ArgumentException or TargetException or FieldAccessException or InvalidCastException)
        {
            // Not the FASTER this was written against: prefetching stays off (_buckets is set only on success).
        }
    }
}
