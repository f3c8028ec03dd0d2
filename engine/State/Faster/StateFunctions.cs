using System.Runtime.CompilerServices;
using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// FASTER callbacks of a <see cref="FasterStateTable"/>. A struct, so the session's generic code is
/// specialised for it (direct calls, no interface dispatch). Keys and values are
/// <see cref="SpanByte"/>s stored inline in the log; the RMW input is the complete new value.
/// <list type="bullet">
/// <item>Reads copy the value straight into the caller's pinned buffer (<see cref="ValueSink.Destination"/>).</item>
/// <item>RMW records in <see cref="ValueSink.Length"/> whether the key existed (old length) or not (-1),
/// which is how the table keeps an exact count without a separate lookup.</item>
/// <item>The context is a pointer to the caller's <see cref="ValueSink"/>; completion callbacks of
/// pending operations write their result through it.</item>
/// <item>During a <see cref="FasterStateTable.Merge"/> the RMW input is a placeholder: the new value
/// comes from <see cref="MergeRequest.Merger"/> applied to the stored one.</item>
/// </list>
/// </summary>
internal readonly unsafe struct StateFunctions(MergeRequest request) : IFunctions<SpanByte, SpanByte, SpanByte, ValueSink, nint>
{
    private readonly MergeRequest _request = request;

    // ---- Read ----

    /// <inheritdoc />
    public bool SingleReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ValueSink dst, ref ReadInfo readInfo)
    {
        CopyOut(ref value, ref dst);
        dst.Address = readInfo.Address;
        return true;
    }

    /// <inheritdoc />
    public bool ConcurrentReader(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ValueSink dst, ref ReadInfo readInfo)
    {
        CopyOut(ref value, ref dst);
        dst.Address = readInfo.Address;
        return true;
    }

    /// <inheritdoc />
    public void ReadCompletionCallback(ref SpanByte key, ref SpanByte input, ref ValueSink output, nint ctx, Status status, RecordMetadata recordMetadata)
    {
        ref var caller = ref Unsafe.AsRef<ValueSink>((void*)ctx);
        caller.Length = status.Found ? output.Length : -1;
        caller.Address = recordMetadata.Address;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyOut(ref SpanByte value, ref ValueSink dst)
    {
        var length = value.LengthWithoutMetadata;
        dst.Length = length;
        // A probe (capacity -1) or a too-small buffer gets nothing; the table reports the latter as an error.
        if (length <= dst.Capacity)
        {
            value.AsReadOnlySpan().CopyTo(new Span<byte>(dst.Destination, length));
        }
    }

    // ---- Upsert (used by compaction and copy-to-tail only: the table writes through RMW) ----

    /// <inheritdoc />
    public bool SingleWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref ValueSink output, ref UpsertInfo upsertInfo, WriteReason reason)
        => CopyValue(ref src, ref dst);

    /// <inheritdoc />
    public void PostSingleWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref ValueSink output, ref UpsertInfo upsertInfo, WriteReason reason)
    {
    }

    /// <inheritdoc />
    public bool ConcurrentWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref ValueSink output, ref UpsertInfo upsertInfo)
    {
        // In place only when the size is unchanged; otherwise FASTER appends a new record.
        if (dst.Length != src.Length)
        {
            return false;
        }
        src.AsReadOnlySpan().CopyTo(dst.AsSpan());
        return true;
    }

    // ---- RMW: input = complete new value ----

    /// <inheritdoc />
    public bool NeedInitialUpdate(ref SpanByte key, ref SpanByte input, ref ValueSink output, ref RMWInfo rmwInfo)
    {
        if (_request.Merger is null || _request.TryCreate(out _))
        {
            return true;
        }
        output.Length = ValueSink.NothingInserted;
        return false;
    }

    /// <inheritdoc />
    public bool InitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ValueSink output, ref RMWInfo rmwInfo)
    {
        output.Length = -1;
        if (_request.Merger is null)
        {
            return CopyValue(ref input, ref value);
        }
        return _request.TryCreate(out var merged) && CopyValue(merged, ref value);
    }

    /// <inheritdoc />
    public void PostInitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ValueSink output, ref RMWInfo rmwInfo)
        => output.Written = value.LengthWithoutMetadata;

    /// <inheritdoc />
    public bool NeedCopyUpdate(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref ValueSink output, ref RMWInfo rmwInfo)
    {
        if (_request.Merger is null || _request.TryMerge(ref oldValue, out _))
        {
            return true;
        }
        // Declined: the key stays as it is (and existed).
        output.Length = oldValue.LengthWithoutMetadata;
        return false;
    }

    /// <inheritdoc />
    public bool CopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref ValueSink output, ref RMWInfo rmwInfo)
    {
        output.Length = oldValue.LengthWithoutMetadata;
        if (_request.Merger is null)
        {
            return CopyValue(ref input, ref newValue);
        }
        return _request.TryMerge(ref oldValue, out var merged) && CopyValue(merged, ref newValue);
    }

    /// <inheritdoc />
    public void PostCopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref ValueSink output, ref RMWInfo rmwInfo)
        => output.Written = newValue.LengthWithoutMetadata;

    /// <inheritdoc />
    public bool InPlaceUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ValueSink output, ref RMWInfo rmwInfo)
    {
        output.Length = value.LengthWithoutMetadata;
        if (value.MetadataSize != 0)
        {
            return false;
        }
        ReadOnlySpan<byte> updated;
        if (_request.Merger is null)
        {
            updated = input.AsReadOnlySpan();
        }
        else if (!_request.TryMerge(ref value, out updated))
        {
            return true; // declined: nothing to write
        }
        // Same size only: shrinking in place would strand the freed bytes until compaction anyway,
        // and a value that grows needs a new record.
        if (value.Length != updated.Length)
        {
            return false;
        }
        updated.CopyTo(value.AsSpan());
        return true;
    }

    /// <inheritdoc />
    public void RMWCompletionCallback(ref SpanByte key, ref SpanByte input, ref ValueSink output, nint ctx, Status status, RecordMetadata recordMetadata)
    {
        ref var caller = ref Unsafe.AsRef<ValueSink>((void*)ctx);
        caller.Length = output.Length;
        caller.Written = output.Written;
    }

    // ---- Delete ----

    /// <inheritdoc />
    public bool SingleDeleter(ref SpanByte key, ref SpanByte value, ref DeleteInfo deleteInfo) => true;

    /// <inheritdoc />
    public void PostSingleDeleter(ref SpanByte key, ref DeleteInfo deleteInfo)
    {
    }

    /// <inheritdoc />
    public bool ConcurrentDeleter(ref SpanByte key, ref SpanByte value, ref DeleteInfo deleteInfo) => true;

    // ---- Disposal hooks: nothing is owned outside the log ----

    /// <inheritdoc />
    public void DisposeSingleWriter(ref SpanByte key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref ValueSink output, ref UpsertInfo upsertInfo, WriteReason reason)
    {
    }

    /// <inheritdoc />
    public void DisposeCopyUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref ValueSink output, ref RMWInfo rmwInfo)
    {
    }

    /// <inheritdoc />
    public void DisposeInitialUpdater(ref SpanByte key, ref SpanByte input, ref SpanByte value, ref ValueSink output, ref RMWInfo rmwInfo)
    {
    }

    /// <inheritdoc />
    public void DisposeSingleDeleter(ref SpanByte key, ref SpanByte value, ref DeleteInfo deleteInfo)
    {
    }

    /// <inheritdoc />
    public void DisposeDeserializedFromDisk(ref SpanByte key, ref SpanByte value)
    {
    }

    /// <inheritdoc />
    public void CheckpointCompletionCallback(int sessionID, string sessionName, CommitPoint commitPoint)
    {
    }

    /// <summary>
    /// Writes <paramref name="src"/>'s payload into a freshly allocated log value and sets the
    /// value's length to exactly the payload's (FASTER sized the record from the same length).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CopyValue(ref SpanByte src, ref SpanByte dst) => CopyValue(src.AsReadOnlySpan(), ref dst);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CopyValue(ReadOnlySpan<byte> payload, ref SpanByte dst)
    {
        if (dst.Length < payload.Length)
        {
            return false;
        }
        payload.CopyTo(dst.AsSpan());
        dst.ShrinkSerializedLength(payload.Length);
        return true;
    }
}
