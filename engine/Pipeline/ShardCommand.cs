using Attribution.Engine.Attribution;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// A control command published through the ring so that every shard executes it at the same point of
/// the event stream (a consistent cut: everything before it is applied, nothing after). The caller
/// waits for <see cref="Wait"/>; the last shard to finish signals it.
/// </summary>
internal abstract class ShardCommand
{
    // A monitor, not a ManualResetEventSlim, so a command needs no Dispose.
    private readonly object _gate = new();
    private bool _done;
    private int _remaining;
    private Exception? _error;

    /// <summary>Whether <see cref="OnPost"/> reads or changes the producer side's state (then it is posted in the ring's order with events).</summary>
    internal virtual bool UsesProducerState => false;

    /// <summary>Runs on the posting thread right before the command enters the ring (e.g. to capture the event-time guard's state at the cut).</summary>
    internal virtual void OnPost(EventTimeGuard guard)
    {
    }

    /// <summary>Sets how many shards must execute the command.</summary>
    internal void Arm(int shards) => _remaining = shards;

    /// <summary>Runs the command on one shard's thread (after that shard delivered its pending outputs).</summary>
    public abstract void Execute(ShardHandler shard);

    internal void Complete(ShardHandler shard)
    {
        try
        {
            Execute(shard);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        Arrived();
    }

    /// <summary>
    /// A stopped shard's answer instead of <see cref="Execute"/>: the command fails with <paramref name="failure"/>.
    /// A command whose shards wait for each other releases them in <see cref="OnRefused"/>.
    /// </summary>
    internal void Refuse(ShardHandler shard, ShardFailedException failure)
    {
        if (!OnRefused(shard, failure))
        {
            Interlocked.CompareExchange(ref _error, failure, null);
        }
        Arrived();
    }

    /// <summary>Lets a command record a stopped shard's failure itself (true) instead of failing as a whole.</summary>
    private protected virtual bool OnRefused(ShardHandler shard, ShardFailedException failure) => false;

    private void Arrived()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            lock (_gate)
            {
                _done = true;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Waits until every shard executed the command; rethrows the first shard error
    /// (a <see cref="ShardFailedException"/> as such, others wrapped in an <see cref="InvalidOperationException"/>).</summary>
    public bool Wait(TimeSpan timeout)
    {
        bool done;
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (!_done)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue)))
                {
                    if (!_done && Environment.TickCount64 >= deadline)
                    {
                        break;
                    }
                }
            }
            done = _done;
        }
        if (done && _error is ShardFailedException failed)
        {
            // Rethrown on the caller's thread with its own stack, cause kept.
            throw new ShardFailedException(failed.Shard, failed.Message, failed.InnerException!);
        }
        if (done && _error is { } e)
        {
            throw new InvalidOperationException($"A shard failed to execute {GetType().Name}: {e.Message}", e);
        }
        return done;
    }
}
