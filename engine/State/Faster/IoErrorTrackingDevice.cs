using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// A FASTER device that forwards everything to another one and records failed writes in an
/// <see cref="IoErrorLog"/> (FASTER itself only logs them). Reads pass straight through, so the
/// per-event path of a table whose records are on disk gains nothing; each write allocates one
/// small completion object, and writes are page- or checkpoint-sized.
/// <para>
/// For the log (<paramref name="checkpoint"/> false) FASTER's own requests to delete segments are
/// ignored: FASTER truncates below the log's begin address when it takes a checkpoint, which would
/// delete segments that older checkpoints still need — before the new one is known to be complete.
/// The table deletes segments itself through <see cref="Inner"/>, never below a stored checkpoint's floor.
/// </para>
/// </summary>
internal sealed class IoErrorTrackingDevice(IDevice inner, IoErrorLog errors, bool checkpoint) : IDevice
{
    /// <summary>The wrapped device (for the table's own, checkpoint-aware truncation).</summary>
    public IDevice Inner => inner;

    /// <inheritdoc />
    public uint SectorSize => inner.SectorSize;

    /// <inheritdoc />
    public string FileName => inner.FileName;

    /// <inheritdoc />
    public long Capacity => inner.Capacity;

    /// <inheritdoc />
    public long SegmentSize => inner.SegmentSize;

    /// <inheritdoc />
    public int StartSegment => inner.StartSegment;

    /// <inheritdoc />
    public int EndSegment => inner.EndSegment;

    /// <inheritdoc />
    public int ThrottleLimit
    {
        get => inner.ThrottleLimit;
        set => inner.ThrottleLimit = value;
    }

    /// <inheritdoc />
    public void Initialize(long segmentSize, LightEpoch? epoch = null, bool omitSegmentIdFromFilename = false)
        => inner.Initialize(segmentSize, epoch, omitSegmentIdFromFilename);

    /// <inheritdoc />
    public bool Throttle() => inner.Throttle();

    /// <inheritdoc />
    public bool TryComplete() => inner.TryComplete();

    /// <inheritdoc />
    public long GetFileSize(int segment) => inner.GetFileSize(segment);

    /// <inheritdoc />
    public void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
        => inner.WriteAsync(sourceAddress, segmentId, destinationAddress, numBytesToWrite, Completion.Callback, new Completion(this, callback, context, numBytesToWrite));

    /// <inheritdoc />
    public void WriteAsync(IntPtr alignedSourceAddress, ulong alignedDestinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
        => inner.WriteAsync(alignedSourceAddress, alignedDestinationAddress, numBytesToWrite, Completion.Callback, new Completion(this, callback, context, numBytesToWrite));

    /// <inheritdoc />
    public void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context)
        => inner.ReadAsync(segmentId, sourceAddress, destinationAddress, readLength, callback, context);

    /// <inheritdoc />
    public void ReadAsync(ulong alignedSourceAddress, IntPtr alignedDestinationAddress, uint aligned_read_length, DeviceIOCompletionCallback callback, object context)
        => inner.ReadAsync(alignedSourceAddress, alignedDestinationAddress, aligned_read_length, callback, context);

    /// <inheritdoc />
    public void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
        => ForwardIfCheckpoint(segment, callback, result, static (d, s, c, r) => d.RemoveSegmentAsync(s, c, r));

    /// <inheritdoc />
    public void RemoveSegment(int segment)
        => ForwardIfCheckpoint(segment, static (d, s) => d.RemoveSegment(s));

    /// <inheritdoc />
    public void TruncateUntilSegmentAsync(int toSegment, AsyncCallback callback, IAsyncResult result)
        => ForwardIfCheckpoint(toSegment, callback, result, static (d, s, c, r) => d.TruncateUntilSegmentAsync(s, c, r));

    /// <inheritdoc />
    public void TruncateUntilSegment(int toSegment)
        => ForwardIfCheckpoint(toSegment, static (d, s) => d.TruncateUntilSegment(s));

    /// <inheritdoc />
    public void TruncateUntilAddressAsync(long toAddress, AsyncCallback callback, IAsyncResult result)
        => ForwardIfCheckpoint(toAddress, callback, result, static (d, a, c, r) => d.TruncateUntilAddressAsync(a, c, r));

    /// <inheritdoc />
    public void TruncateUntilAddress(long toAddress)
        => ForwardIfCheckpoint(toAddress, static (d, a) => d.TruncateUntilAddress(a));

    /// <inheritdoc />
    public void Reset() => inner.Reset();

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    // FASTER's deletions reach a checkpoint device; on the log they are dropped (see the summary),
    // an asynchronous one completing at once. Static lambdas: the delegates are cached, nothing allocates.
    private void ForwardIfCheckpoint<T>(T where, AsyncCallback callback, IAsyncResult result, Action<IDevice, T, AsyncCallback, IAsyncResult> delete)
    {
        if (checkpoint)
        {
            delete(inner, where, callback, result);
        }
        else
        {
            callback(result);
        }
    }

    private void ForwardIfCheckpoint<T>(T where, Action<IDevice, T> delete)
    {
        if (checkpoint)
        {
            delete(inner, where);
        }
    }

    private sealed class Completion(IoErrorTrackingDevice device, DeviceIOCompletionCallback callback, object context, uint requested)
    {
        public static readonly DeviceIOCompletionCallback Callback = OnCompleted;

        private readonly IoErrorTrackingDevice _device = device;
        private readonly DeviceIOCompletionCallback _callback = callback;
        private readonly object _context = context;
        private readonly uint _requested = requested;

        private static void OnCompleted(uint errorCode, uint numBytes, object context)
        {
            var c = (Completion)context;
            if (errorCode != 0)
            {
                c._device.RecordError(errorCode, numBytes, c._requested);
            }
            c._callback(errorCode, numBytes, c._context);
        }
    }

    private void RecordError(uint errorCode, uint numBytes, uint requested) => errors.Record(checkpoint, inner.FileName, errorCode, numBytes, requested);
}
