using System.Diagnostics;
using Attribution.Engine.Attribution;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// The cut of a snapshot: every shard, at the same point of the stream, records its partitions'
/// positions and watermarks and starts its tables' checkpoints. When the caller wants extras
/// captured at the cut (e.g. the output file's length), the shards wait for each other at the cut
/// so that every output of the events before it, and none after, has been delivered while the
/// callback runs.
/// </summary>
internal sealed class SnapshotCutCommand : ShardCommand
{
    private readonly ShardCut?[] _cuts;
    private readonly Action<IDictionary<string, string>>? _captureExtras;
    private readonly TimeSpan _barrierTimeout;
    private readonly object _barrier = new();
    private int _arriving;
    private bool _released;

    public SnapshotCutCommand(int shards, Action<IDictionary<string, string>>? captureExtras, TimeSpan barrierTimeout)
    {
        _cuts = new ShardCut?[shards];
        _captureExtras = captureExtras;
        _barrierTimeout = barrierTimeout;
        _arriving = shards;
    }

    /// <summary>Extras the capture callback added (valid once the command completed).</summary>
    public Dictionary<string, string> CapturedExtras { get; } = new(StringComparer.Ordinal);

    /// <summary>Why the capture callback failed, or null.</summary>
    public Exception? CaptureError { get; private set; }

    /// <summary>The event-time guard's pending timestamps per partition at the cut (captured on the posting thread).</summary>
    public Dictionary<int, long[]> PendingEventTimes { get; } = new();

    internal override bool UsesProducerState => true;

    internal override void OnPost(EventTimeGuard guard)
    {
        foreach (int p in guard.PartitionsWithPending())
        {
            PendingEventTimes[p] = guard.Pending(p);
        }
    }

    /// <summary>Per shard, what it captured (valid once the command completed).</summary>
    public IReadOnlyList<ShardCut?> Cuts => _cuts;

    /// <inheritdoc/>
    public override void Execute(ShardHandler shard)
    {
        long start = Stopwatch.GetTimestamp();
        var cut = new ShardCut(shard.Index);
        try
        {
            shard.BeginSnapshot(cut);
        }
        catch (Exception e)
        {
            cut.Error = e;
        }
        _cuts[shard.Index] = cut;
        if (_captureExtras is not null)
        {
            Rendezvous();
        }
        cut.PauseTicks = Stopwatch.GetTimestamp() - start;
    }

    /// <summary>A stopped shard begins no checkpoint: its cut carries the failure (the snapshot fails), and it still
    /// meets the others at the cut, so they are not held until the barrier's timeout.</summary>
    private protected override bool OnRefused(ShardHandler shard, ShardFailedException failure)
    {
        _cuts[shard.Index] = new ShardCut(shard.Index) { Error = failure };
        if (_captureExtras is not null)
        {
            Rendezvous();
        }
        return true;
    }

    // The last shard to arrive runs the callback while the others wait, then releases them.
    private void Rendezvous()
    {
        if (Interlocked.Decrement(ref _arriving) == 0)
        {
            try
            {
                _captureExtras!(CapturedExtras);
            }
            catch (Exception e)
            {
                CaptureError = e;
            }
            lock (_barrier)
            {
                _released = true;
                Monitor.PulseAll(_barrier);
            }
            return;
        }
        long deadline = Environment.TickCount64 + (long)_barrierTimeout.TotalMilliseconds;
        lock (_barrier)
        {
            while (!_released)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    // A shard that never arrives must not stall the others for good; the snapshot fails instead.
                    CaptureError ??= new TimeoutException("Not every shard reached the snapshot's cut in time.");
                    return;
                }
                Monitor.Wait(_barrier, (int)Math.Min(left, int.MaxValue));
            }
        }
    }
}
