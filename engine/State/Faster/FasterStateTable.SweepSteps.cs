using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed unsafe partial class FasterStateTable
{
    // The pass of SweepStep in progress: one scan for the whole phase, so a step allocates nothing and
    // records on disk are read page by page once (the scan keeps no epoch between records).
    private IFasterScanIterator<SpanByte, SpanByte>? _stepScan;
    private StepPhase _stepPhase;
    private long _stepEnd;

    private enum StepPhase
    {
        Idle,
        // Visiting every record from the log begin to the tail as it was when the pass began: expired live entries are deleted, the rest counted.
        Sweeping,
        // Moving the live records of the read-only part to the tail, a step at a time, the log begin following.
        Compacting,
    }

    /// <inheritdoc />
    /// <remarks>
    /// A pass has two phases. The first visits the log from its begin address to the tail as it was when the pass
    /// started; each step scans records from where the last one stopped until it has passed <paramref name="maxBytes"/>
    /// of log. A record the sweeper keeps is passed over without a lookup; one it selects is checked to be its key's
    /// live version before it is deleted. When the log has then grown past
    /// <see cref="FasterStateTableOptions.CompactionTrigger"/> × the live records' size (kept exact by every write and
    /// delete, see <see cref="FasterStateTableStats.LiveRecordBytes"/>) (and
    /// <see cref="FasterStateTableOptions.CompactionMinLogBytes"/>), the second phase compacts the read-only part in
    /// steps of the same size: each copies the live records among the next records at the log's head to the tail and
    /// moves the begin address past them, so no step waits for a compaction of the whole log. While a checkpoint is
    /// being written a compaction step does nothing (sweep steps go on: a delete is an ordinary operation). Log files
    /// wholly below the begin are deleted when the phase ends. The position is a log address held in memory only: after recovery
    /// the next pass starts at the log's begin.
    /// </remarks>
    public long SweepStep<TSweeper>(ref TSweeper sweeper, long maxBytes, out bool passCompleted) where TSweeper : struct, IStateSweeper
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1L);
        if (_stepPhase == StepPhase.Compacting)
        {
            passCompleted = CompactStep(maxBytes);
            return 0;
        }
        if (_stepPhase == StepPhase.Idle)
        {
            _stepEnd = _store.Log.TailAddress;
            _stepScan = _store.Log.Scan(_store.Log.BeginAddress, _stepEnd);
            _stepPhase = StepPhase.Sweeping;
        }
        else if (_stepScan!.NextAddress < _store.Log.BeginAddress)
        {
            // A compaction (or partition drop) since the last step moved the begin past the position.
            _stepScan.Dispose();
            _stepScan = _store.Log.Scan(_store.Log.BeginAddress, Math.Max(_stepEnd, _store.Log.BeginAddress));
        }

        var scan = _stepScan!;
        var batch = _sweepBatch ??= new SweepProbeBatch();
        var progress = default(SweepProgress);
        bool scanned = true;
        var stop = scan.NextAddress + maxBytes;
        while (true)
        {
            if (scan.NextAddress >= stop)
            {
                scanned = scan.NextAddress >= scan.EndAddress;
                break;
            }
            if (!scan.GetNext(out var recordInfo))
            {
                break;
            }
            if (recordInfo.Tombstone)
            {
                continue;
            }
            var key = scan.GetKey().AsReadOnlySpan();
            var value = scan.GetValue().AsReadOnlySpan();
            if (!sweeper.ShouldDelete(key, value))
            {
                continue; // kept whether or not it is its key's live version: no lookup needed
            }
            ProbeAndDecide(ref sweeper, batch, key, value, scan.CurrentAddress, ref progress);
        }
        FinishProbes(ref sweeper, batch, ref progress);
        DeleteSelected(progress.Selected);
        passCompleted = false;
        if (scanned)
        {
            EndStepScan();
            passCompleted = !StartStepCompaction();
        }
        return progress.Selected;
    }

    // After a pass's sweep: starts compacting the read-only part when the log has outgrown its live records
    // (the rule MaybeCompact applies after a whole sweep). False when there is nothing to compact.
    private bool StartStepCompaction()
    {
        var logBytes = _store.Log.TailAddress - _store.Log.BeginAddress;
        var until = _store.Log.SafeReadOnlyAddress;
        if (_liveBytes < 0 || logBytes < _options.CompactionMinLogBytes || logBytes < _options.CompactionTrigger * _liveBytes || until <= _store.Log.BeginAddress)
        {
            return false;
        }
        _stepEnd = until;
        _stepScan = _store.Log.Scan(_store.Log.BeginAddress, until);
        _stepPhase = StepPhase.Compacting;
        return true;
    }

    // One step of the compaction phase: the live records among the next maxBytes of log at the head are copied to
    // the tail, then the begin address moves past them. True when the phase (and so the pass) is over.
    private bool CompactStep(long maxBytes)
    {
        if (CheckpointPending)
        {
            // Moving the begin now would drop records of the checkpoint being written: wait until it is durable.
            return false;
        }
        var begin = _store.Log.BeginAddress;
        if (begin >= _stepEnd)
        {
            // A whole compaction since the last step got there first.
            return FinishStepCompaction(truncate: false);
        }
        if (_stepScan!.NextAddress < begin)
        {
            _stepScan.Dispose();
            _stepScan = _store.Log.Scan(begin, _stepEnd);
        }
        var scan = _stepScan;
        var batch = _sweepBatch ??= new SweepProbeBatch();
        var stop = scan.NextAddress + maxBytes;
        while (scan.NextAddress < stop && scan.GetNext(out var recordInfo))
        {
            if (recordInfo.Tombstone)
            {
                continue;
            }
            var slot = batch.Add(scan.GetKey().AsReadOnlySpan(), scan.GetValue().AsReadOnlySpan(), scan.CurrentAddress);
            if (StartProbe(batch, slot))
            {
                CopyIfLive(batch, slot);
                batch.RemoveLast();
            }
            else if (batch.IsFull)
            {
                FinishCopies(batch);
            }
        }
        FinishCopies(batch);
        // Every live record below the scan's position now has a newer copy at the tail; the older
        // versions and deleted keys there are garbage.
        var next = Math.Min(scan.NextAddress, _stepEnd);
        if (next > begin)
        {
            _store.Log.ShiftBeginAddress(next);
        }
        return next >= _stepEnd && FinishStepCompaction(truncate: true);
    }

    private void FinishCopies(SweepProbeBatch batch)
    {
        if (batch.Count == 0)
        {
            return;
        }
        CompletePending();
        for (var slot = 0; slot < batch.Count; slot++)
        {
            CopyIfLive(batch, slot);
        }
        batch.Clear();
    }

    // A record is live when a lookup of its key ends on that very record; its copy is a blind upsert at the
    // tail (the key exists, so the count does not change).
    private void CopyIfLive(SweepProbeBatch batch, int slot)
    {
        ref var sink = ref batch.Sink(slot);
        if (sink.Length < 0 || sink.Address != batch.Address(slot))
        {
            return;
        }
        var key = batch.Key(slot);
        var value = batch.Value(slot);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            var keyBytes = SpanByte.FromPointer(k, key.Length);
            var valueBytes = SpanByte.FromPointer(v, value.Length);
            var status = _session.Upsert(ref keyBytes, ref valueBytes, 0, 0);
            if (status.IsPending)
            {
                CompletePending();
            }
            else if (status.IsFaulted || status.IsCanceled)
            {
                FasterThrow.OperationFailed("compaction copy", status);
            }
        }
    }

    private bool CheckpointPending
    {
        get
        {
            lock (_checkpointLock)
            {
                return _pendingCheckpoint != Guid.Empty;
            }
        }
    }

    private bool FinishStepCompaction(bool truncate)
    {
        EndStepScan();
        if (truncate)
        {
            TruncateLogFiles();
        }
        return true;
    }

    private void EndStepScan()
    {
        _stepScan?.Dispose();
        _stepScan = null;
        _stepPhase = StepPhase.Idle;
    }
}
