using System.Diagnostics;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;

namespace Attribution.Host.Run;

/// <summary>
/// Cuts snapshots at transaction boundaries, every <see cref="RunOptions.SnapshotInterval"/>: the source thread
/// asks (so it submits nothing meanwhile) and the transaction loop commits everything consumed, then exports
/// the changed partitions to the shared directory and starts the engine's snapshot. Every position a snapshot
/// records is therefore committed, which is what makes resuming after it exact. A snapshot asked for by
/// <see cref="Request"/> (<c>attribution snapshot trigger</c>) is cut the same way at the next tick.
/// </summary>
internal sealed class SnapshotScheduler(RunOptions options, RunLog log, PipelineStats stats, AttributionEngine engine,
    PartitionTable table, TransactionLoop transactions, RunState state)
{
    private long _next = Environment.TickCount64 + (long)options.SnapshotInterval.TotalMilliseconds;
    private long _consumedAtSnapshot = -1;
    private TaskCompletionSource<SnapshotInfo>? _requested;

    /// <summary>
    /// Asks for a snapshot at the next tick (any thread), even when none is due or nothing is new; completes when its
    /// manifest is durable, or with the failure. Requests that arrive before it is cut share it. Needs a state directory.
    /// </summary>
    public Task<SnapshotInfo> Request()
    {
        var fresh = new TaskCompletionSource<SnapshotInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _requested, fresh, null) ?? fresh).Task;
    }

    /// <summary>Cuts a snapshot when one is due or requested (source thread, between two records).</summary>
    public void Tick()
    {
        bool requested = Volatile.Read(ref _requested) is not null;
        if ((options.StateDirectory is null && options.SharedStateDirectory is null) || (!requested && Environment.TickCount64 < _next))
        {
            return;
        }
        Cut(requested);
        _next = Environment.TickCount64 + (long)options.SnapshotInterval.TotalMilliseconds;
    }

    private void Cut(bool requested)
    {
        bool local = options.StateDirectory is not null && !engine.SnapshotInProgress;
        if (requested && !local)
        {
            return; // one still in flight: the request is cut at a later tick
        }
        if (!requested && ((!local && options.SharedStateDirectory is null) || stats.Consumed == _consumedAtSnapshot))
        {
            return; // nothing to do, or nothing new since the last one
        }
        _consumedAtSnapshot = stats.Consumed;
        transactions.Invoke(() =>
        {
            if (state.Failed)
            {
                Interlocked.Exchange(ref _requested, null)?.TrySetException(new InvalidOperationException(state.Fatal ?? "The run failed."));
                return;
            }
            if (transactions.RewindPending)
            {
                return;
            }
            transactions.Cycle();
            if (transactions.RewindPending || !table.AllCommitted())
            {
                return; // the commit did not go through: no snapshot this time (a request waits for the next tick)
            }
            table.ExportChanged();
            if (local)
            {
                Start(requested ? Interlocked.Exchange(ref _requested, null) : null);
            }
        });
    }

    private void Start(TaskCompletionSource<SnapshotInfo>? request)
    {
        var clock = Stopwatch.StartNew();
        long consumed = stats.Consumed;
        Task<SnapshotInfo> snapshot;
        try
        {
            snapshot = engine.SnapshotAsync();
        }
        catch (Exception e)
        {
            request?.TrySetException(e);
            throw;
        }
        snapshot.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                log.Info("snapshot", $"taken sequence={t.Result.Sequence} consumed={consumed} bytes={t.Result.Bytes} ms={clock.ElapsedMilliseconds}{(request is null ? "" : " requested=true")}");
                request?.TrySetResult(t.Result);
            }
            else
            {
                log.Warn("snapshot", $"failed reason=\"{t.Exception?.InnerException?.Message}\"");
                request?.TrySetException(t.Exception?.InnerException ?? new InvalidOperationException("The snapshot failed."));
            }
        }, TaskScheduler.Default);
    }
}
