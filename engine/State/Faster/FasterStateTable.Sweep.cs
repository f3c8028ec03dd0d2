using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed unsafe partial class FasterStateTable
{
    // Keys a sweep selected, packed end to end; reused across sweeps.
    private byte[] _sweepKeys = new byte[64 * 1024];
    private int[] _sweepKeyEnds = new int[1024];
    private int[] _sweepValueLengths = new int[1024];
    private SweepProbeBatch? _sweepBatch;

    /// <inheritdoc />
    /// <remarks>
    /// Scans the log from its begin address to the tail; a record is visited when it is the live
    /// version of its key (a lookup finds that very record and it is not a tombstone). Keys to
    /// delete are collected and deleted after the scan. Then, when the log has grown past
    /// <see cref="FasterStateTableOptions.CompactionTrigger"/> × the live records' size, the
    /// read-only part is compacted and the log files below the new begin address are deleted.
    /// </remarks>
    public long Sweep<TSweeper>(ref TSweeper sweeper) where TSweeper : struct, IStateSweeper
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var batch = _sweepBatch ??= new SweepProbeBatch();
        var progress = default(SweepProgress);
        using (var scan = _store.Log.Scan(_store.Log.BeginAddress, _store.Log.TailAddress))
        {
            while (scan.GetNext(out var recordInfo))
            {
                if (recordInfo.Tombstone)
                {
                    continue;
                }
                ProbeAndDecide(ref sweeper, batch, scan.GetKey().AsReadOnlySpan(), scan.GetValue().AsReadOnlySpan(), scan.CurrentAddress, ref progress);
            }
            FinishProbes(ref sweeper, batch, ref progress);
        }

        DeleteSelected(progress.Selected);
        // The count of this scan (every record probed) agrees with the running one; it also sets it after a recovery
        // from a checkpoint written before the running count existed.
        _liveBytes = progress.LiveBytes;
        MaybeCompact();
        return progress.Selected;
    }

    // Deletes the first `selected` keys packed by AppendSweepKey (all live: each was probed).
    private void DeleteSelected(int selected)
    {
        var start = 0;
        for (var i = 0; i < selected; i++)
        {
            var end = _sweepKeyEnds[i];
            fixed (byte* k = &_sweepKeys[start])
            {
                var keyBytes = SpanByte.FromPointer(k, end - start);
                DeleteExisting(ref keyBytes, _sweepValueLengths[i]);
            }
            start = end;
        }
    }

    // Decides a record at once when its lookup completes in memory, else queues it with the lookups in flight.
    private void ProbeAndDecide<TSweeper>(ref TSweeper sweeper, SweepProbeBatch batch, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long address,
        ref SweepProgress progress)
        where TSweeper : struct, IStateSweeper
    {
        var slot = batch.Add(key, value, address);
        if (StartProbe(batch, slot))
        {
            Decide(ref sweeper, batch, slot, ref progress);
            batch.RemoveLast();
        }
        else if (batch.IsFull)
        {
            FinishProbes(ref sweeper, batch, ref progress);
        }
    }

    // Looks the record's key up; true when the answer is already in the slot's sink, false when
    // the lookup went pending (the record's newest version is on disk).
    private bool StartProbe(SweepProbeBatch batch, int slot)
    {
        ref var sink = ref batch.Sink(slot);
        var input = default(SpanByte);
        var readOptions = default(ReadOptions);
        fixed (byte* k = batch.Key(slot))
        fixed (ValueSink* context = &sink)
        {
            var key = SpanByte.FromPointer(k, batch.Key(slot).Length);
            var status = _session.Read(ref key, ref input, ref sink, ref readOptions, out var metadata, (nint)context, 0);
            if (status.IsPending)
            {
                return false;
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
            return true;
        }
    }

    private void FinishProbes<TSweeper>(ref TSweeper sweeper, SweepProbeBatch batch, ref SweepProgress progress)
        where TSweeper : struct, IStateSweeper
    {
        if (batch.Count == 0)
        {
            return;
        }
        CompletePending();
        for (var slot = 0; slot < batch.Count; slot++)
        {
            Decide(ref sweeper, batch, slot, ref progress);
        }
        batch.Clear();
    }

    // A record is the live version of its key when a lookup of the key ends on that very record.
    private void Decide<TSweeper>(ref TSweeper sweeper, SweepProbeBatch batch, int slot, ref SweepProgress progress)
        where TSweeper : struct, IStateSweeper
    {
        ref var sink = ref batch.Sink(slot);
        if (sink.Length < 0 || sink.Address != batch.Address(slot))
        {
            return; // an older version of a key, or a deleted key
        }
        var key = batch.Key(slot);
        var value = batch.Value(slot);
        if (sweeper.ShouldDelete(key, value))
        {
            AppendSweepKey(key, value.Length, ref progress);
        }
        else
        {
            progress.LiveBytes += RecordBytes(key.Length, value.Length);
        }
    }

    private struct SweepProgress
    {
        public int Selected;
        public int PackedBytes;
        public long LiveBytes;
    }

    private void AppendSweepKey(ReadOnlySpan<byte> key, int valueLength, ref SweepProgress progress)
    {
        var packed = progress.PackedBytes;
        if (packed + key.Length > _sweepKeys.Length)
        {
            Array.Resize(ref _sweepKeys, Math.Max(_sweepKeys.Length * 2, packed + key.Length));
        }
        if (progress.Selected == _sweepKeyEnds.Length)
        {
            Array.Resize(ref _sweepKeyEnds, _sweepKeyEnds.Length * 2);
            Array.Resize(ref _sweepValueLengths, _sweepKeyEnds.Length);
        }
        _sweepValueLengths[progress.Selected] = valueLength;
        key.CopyTo(_sweepKeys.AsSpan(packed));
        progress.PackedBytes = packed + key.Length;
        _sweepKeyEnds[progress.Selected++] = progress.PackedBytes;
    }
}
