namespace Attribution.Engine.State.Faster;

internal sealed unsafe partial class FasterStateTable
{
    // The pass of SweepStep in progress: next record to visit and where the pass ends (-1 = none).
    private long _stepCursor = -1;
    private long _stepEnd;
    private long _stepLiveBytes;

    /// <inheritdoc />
    /// <remarks>
    /// A pass covers the log from its begin address to the tail as it was when the pass started;
    /// each step scans records from where the last one stopped until it has passed <paramref name="maxBytes"/> of log.
    /// A record the sweeper keeps is passed over without a lookup (it may be an older version of its key,
    /// which changes nothing); only a record it selects is checked to be its key's live version. The
    /// position is a log address held in memory only: after recovery the next pass starts at the log's
    /// begin. Compaction runs when a pass completes (as after <see cref="Sweep{TSweeper}"/>).
    /// </remarks>
    public long SweepStep<TSweeper>(ref TSweeper sweeper, long maxBytes, out bool passCompleted) where TSweeper : struct, IStateSweeper
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1L);
        if (_stepCursor < 0)
        {
            _stepCursor = _store.Log.BeginAddress;
            _stepEnd = _store.Log.TailAddress;
            _stepLiveBytes = 0;
        }
        // A compaction (or partition drop) since the last step moved the begin past the position.
        _stepCursor = Math.Max(_stepCursor, _store.Log.BeginAddress);

        var batch = _sweepBatch ??= new SweepProbeBatch();
        var progress = default(SweepProgress);
        passCompleted = true;
        if (_stepCursor < _stepEnd)
        {
            using var scan = _store.Log.Scan(_stepCursor, _stepEnd);
            var stop = _stepCursor + maxBytes;
            while (true)
            {
                if (scan.NextAddress >= stop)
                {
                    passCompleted = false;
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
                    // Counted as live without a lookup: an upper bound (older versions count too).
                    progress.LiveBytes += RecordBytes(key.Length, value.Length);
                    continue;
                }
                var slot = batch.Add(key, value, scan.CurrentAddress);
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
            FinishProbes(ref sweeper, batch, ref progress);
            _stepCursor = scan.NextAddress;
        }

        DeleteSelected(progress.Selected);
        _stepLiveBytes += progress.LiveBytes;
        if (passCompleted)
        {
            _liveBytes = _stepLiveBytes;
            _stepCursor = -1;
            MaybeCompact();
        }
        return progress.Selected;
    }
}
