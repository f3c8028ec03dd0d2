using System.Diagnostics;
using Attribution.Engine.Pipeline;

namespace Attribution.Host.Run;

/// <summary>
/// Cuts snapshots at transaction boundaries, every <see cref="RunOptions.SnapshotInterval"/>: the source thread
/// asks (so it submits nothing meanwhile) and the transaction loop commits everything consumed, then exports
/// the changed partitions to the shared directory and starts the engine's snapshot. Every position a snapshot
/// records is therefore committed, which is what makes resuming after it exact.
/// </summary>
internal sealed class SnapshotScheduler(RunOptions options, RunLog log, PipelineStats stats, AttributionEngine engine,
    PartitionTable table, TransactionLoop transactions, RunState state)
{
    private long _next = Environment.TickCount64 + (long)options.SnapshotInterval.TotalMilliseconds;
    private long _consumedAtSnapshot = -1;

    /// <summary>Cuts a snapshot when one is due (source thread, between two records).</summary>
    public void Tick()
    {
        if ((options.StateDirectory is null && options.SharedStateDirectory is null) || Environment.TickCount64 < _next)
        {
            return;
        }
        Cut();
        _next = Environment.TickCount64 + (long)options.SnapshotInterval.TotalMilliseconds;
    }

    private void Cut()
    {
        bool local = options.StateDirectory is not null && !engine.SnapshotInProgress;
        if ((!local && options.SharedStateDirectory is null) || stats.Consumed == _consumedAtSnapshot)
        {
            return; // nothing to do, or nothing new since the last one
        }
        _consumedAtSnapshot = stats.Consumed;
        transactions.Invoke(() =>
        {
            if (state.Failed || transactions.RewindPending)
            {
                return;
            }
            transactions.Cycle();
            if (transactions.RewindPending || !table.AllCommitted())
            {
                return; // the commit did not go through: no snapshot this time
            }
            table.ExportChanged();
            if (local)
            {
                Start();
            }
        });
    }

    private void Start()
    {
        var clock = Stopwatch.StartNew();
        long consumed = stats.Consumed;
        engine.SnapshotAsync().ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                log.Info("snapshot", $"taken sequence={t.Result.Sequence} consumed={consumed} bytes={t.Result.Bytes} ms={clock.ElapsedMilliseconds}");
            }
            else
            {
                log.Warn("snapshot", $"failed reason=\"{t.Exception?.InnerException?.Message}\"");
            }
        }, TaskScheduler.Default);
    }
}
