using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed unsafe partial class FasterStateTable
{
    // The pass of SweepStep in progress (null = none): one scan for the whole pass, so a step allocates
    // nothing and records on disk are read page by page once (the scan keeps no epoch between records).
    private IFasterScanIterator<SpanByte, SpanByte>? _stepScan;
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
        if (_stepScan is null)
        {
            _stepEnd = _store.Log.TailAddress;
            _stepScan = _store.Log.Scan(_store.Log.BeginAddress, _stepEnd);
            _stepLiveBytes = 0;
        }
        else if (_stepScan.NextAddress < _store.Log.BeginAddress)
        {
            // A compaction (or partition drop) since the last step moved the begin past the position.
            _stepScan.Dispose();
            _stepScan = _store.Log.Scan(_store.Log.BeginAddress, Math.Max(_stepEnd, _store.Log.BeginAddress));
        }

        var scan = _stepScan;
        var batch = _sweepBatch ??= new SweepProbeBatch();
        var progress = default(SweepProgress);
        passCompleted = true;
        var stop = scan.NextAddress + maxBytes;
        while (true)
        {
            if (scan.NextAddress >= stop)
            {
                passCompleted = scan.NextAddress >= scan.EndAddress;
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

        DeleteSelected(progress.Selected);
        _stepLiveBytes += progress.LiveBytes;
        if (passCompleted)
        {
            _liveBytes = _stepLiveBytes;
            _stepScan.Dispose();
            _stepScan = null;
            MaybeCompact();
        }
        return progress.Selected;
    }
}
