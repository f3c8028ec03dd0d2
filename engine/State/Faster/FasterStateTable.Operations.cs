using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed unsafe partial class FasterStateTable
{
    /// <inheritdoc />
    public int Read(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        CheckKey(key);
        var sink = default(ValueSink);
        fixed (byte* k = key)
        fixed (byte* d = destination)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            sink = ValueSink.For(d, destination.Length);
            ReadInto(ref keyBytes, ref sink);
        }
        if (sink.Length > destination.Length)
        {
            FasterThrow.DestinationTooSmall(destination.Length, sink.Length);
        }
        return sink.Length;
    }

    /// <inheritdoc />
    public void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        CheckKey(key);
        if (value.Length > IStateTable.MaxValueBytes)
        {
            FasterThrow.ValueTooLong(value.Length);
        }
        byte empty = 0;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            // An empty span pins to null, which SpanByte reads as "invalid": point it anywhere valid.
            var input = SpanByte.FromPointer(v == null ? &empty : v, value.Length);
            var sink = ValueSink.Probe();
            var status = _session.RMW(ref keyBytes, ref input, ref sink, (nint)(&sink), 0);
            if (status.IsPending)
            {
                CompletePending();
            }
            else if (status.IsFaulted || status.IsCanceled)
            {
                FasterThrow.OperationFailed("upsert", status);
            }
            if (sink.Length < 0)
            {
                _count++;
            }
            AccountWrite(key.Length, in sink);
        }
    }

    /// <inheritdoc />
    public void Merge(ReadOnlySpan<byte> key, IValueMerger merger)
    {
        CheckKey(key);
        byte placeholder = 0;
        fixed (byte* k = key)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            // The callbacks take the new value from the merger; the input only has to be a valid span.
            var input = SpanByte.FromPointer(&placeholder, 1);
            var sink = ValueSink.Probe();
            _merge.Merger = merger;
            try
            {
                var status = _session.RMW(ref keyBytes, ref input, ref sink, (nint)(&sink), 0);
                if (status.IsPending)
                {
                    CompletePending();
                }
                else if (status.IsFaulted || status.IsCanceled)
                {
                    FasterThrow.OperationFailed("merge", status);
                }
            }
            finally
            {
                _merge.Merger = null;
            }
            if (sink.Length == -1)
            {
                _count++;
            }
            AccountWrite(key.Length, in sink);
        }
    }

    /// <inheritdoc />
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        fixed (byte* k = key)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            var probe = ValueSink.Probe();
            ReadInto(ref keyBytes, ref probe);
            if (probe.Length < 0)
            {
                return false;
            }
            DeleteExisting(ref keyBytes, probe.Length);
            return true;
        }
    }

    private void ReadInto(ref SpanByte key, ref ValueSink sink)
    {
        var readOptions = default(ReadOptions);
        ReadInto(ref key, ref sink, ref readOptions);
    }

    // Reads (or probes) a key; sink.Address receives the address of the record the search ended
    // on (also for a tombstone), 0 when it found none.
    private void ReadInto(ref SpanByte key, ref ValueSink sink, ref ReadOptions readOptions)
    {
        var input = default(SpanByte);
        fixed (ValueSink* context = &sink)
        {
            var status = _session.Read(ref key, ref input, ref sink, ref readOptions, out var metadata, (nint)context, 0);
            if (status.IsPending)
            {
                CompletePending();
                return;
            }
            if (status.IsFaulted || status.IsCanceled)
            {
                FasterThrow.OperationFailed("read", status);
            }
            if (!status.Found)
            {
                sink.Length = -1;
            }
            sink.Address = metadata.Address;
        }
    }

    // Keeps the live size exact: an RMW that wrote a new record replaced the key's live one, if it had one
    // (an update in place keeps the size, so it wrote none).
    private void AccountWrite(int keyLength, in ValueSink sink)
    {
        if (sink.Written >= 0 && _liveBytes >= 0)
        {
            _liveBytes += RecordBytes(keyLength, sink.Written) - (sink.Length >= 0 ? RecordBytes(keyLength, sink.Length) : 0);
        }
    }

    private void DeleteExisting(ref SpanByte key, int valueLength)
    {
        var status = _session.Delete(ref key, 0, 0);
        if (status.IsPending)
        {
            CompletePending();
        }
        else if (status.IsFaulted || status.IsCanceled)
        {
            FasterThrow.OperationFailed("delete", status);
        }
        _count--;
        if (_liveBytes >= 0)
        {
            _liveBytes -= RecordBytes(key.Length, valueLength);
        }
    }

    // Records on disk make an operation go pending; the table is synchronous, so wait for the I/O.
    // Completion callbacks write results through the context pointer to the caller's sink.
    private void CompletePending() => _session.CompletePending(wait: true);
}
