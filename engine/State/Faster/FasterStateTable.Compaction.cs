using FASTER.core;

namespace Attribution.Engine.State.Faster;

internal sealed partial class FasterStateTable
{
    /// <summary>
    /// Compacts the read-only part of the log: live records there are copied to the tail, the
    /// begin address moves past them, and log segment files wholly below it are deleted.
    /// Returns false when there was nothing to compact. Called by <see cref="Sweep{TSweeper}"/>
    /// when the log has grown enough; callable directly.
    /// </summary>
    public bool CompactLog()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var until = _store.Log.SafeReadOnlyAddress;
        if (until <= _store.Log.BeginAddress)
        {
            return false;
        }
        _session.Compact(until, CompactionType.Lookup);
        TruncateLogFiles();
        return true;
    }

    // Deletes log segment files wholly below the begin address, but never below the begin
    // address of a stored checkpoint: recovering it reads the log from there.
    private void TruncateLogFiles()
    {
        lock (_checkpointLock)
        {
            TruncateLogFilesLocked();
        }
    }

    private void TruncateLogFilesLocked()
    {
        var floor = Math.Min(_store.Log.BeginAddress, _pendingFloor);
        foreach (var token in _checkpoints.GetLogCheckpointTokens())
        {
            floor = Math.Min(floor, ReadCheckpointFloor(token));
        }
        _logDevice.Inner.TruncateUntilAddress(floor);
    }

    private void MaybeCompact()
    {
        var logBytes = _store.Log.TailAddress - _store.Log.BeginAddress;
        if (_liveBytes < 0 || logBytes < _options.CompactionMinLogBytes || logBytes < _options.CompactionTrigger * _liveBytes)
        {
            return;
        }
        CompactLog();
    }
}
