using System.Diagnostics;
using System.Runtime.CompilerServices;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// Takes an engine's snapshots. The producer thread publishes the cut (a <see cref="SnapshotCutCommand"/>
/// through the ring) and returns; a background task then waits for the shards to pass the cut,
/// completes their FASTER checkpoints while they process on, checksums and syncs every file, writes
/// the manifest last, and prunes old snapshots. One snapshot is in flight at a time. Periodic
/// snapshots are started from <see cref="OnSubmitted"/>, i.e. by the submitting thread, so in
/// single-producer mode only that thread ever publishes.
/// </summary>
internal sealed partial class SnapshotCoordinator
{
    // How often (in submitted records) the time-based cadence looks at the clock.
    private const long ClockCheckEvery = 1024;

    private readonly EngineOptions _options;
    private readonly SnapshotStore _store;
    private readonly ShardHandler[] _shards;
    private readonly SnapshotStorage _storage;
    private readonly Action<ShardCommand> _post;
    private readonly object _gate = new();
    private readonly long _everyEvents;
    private readonly long _intervalTicks;
    private readonly long _step;
    private long _nextSequence;
    private Task<SnapshotInfo>? _inFlight;
    private long _countdown;
    private long _eventsSince;
    private long _nextDueTicks;
    private volatile SnapshotFailedException? _stopError;
    private SnapshotInfo? _last;
    private long _failures;
    private readonly long? _recoveredSequence;

    // recoveredSequence: the snapshot the engine recovered (kept in the directory), or null.
    public SnapshotCoordinator(EngineOptions options, SnapshotStore store, ShardHandler[] shards, SnapshotStorage storage, long nextSequence, Action<ShardCommand> post, long? recoveredSequence)
    {
        _recoveredSequence = recoveredSequence;
        _options = options;
        _store = store;
        _shards = shards;
        _storage = storage;
        _nextSequence = nextSequence;
        _post = post;
        _everyEvents = options.SnapshotEveryEvents;
        _intervalTicks = options.SnapshotInterval > TimeSpan.Zero ? (long)(options.SnapshotInterval.TotalSeconds * Stopwatch.Frequency) : 0;
        _step = _everyEvents > 0 ? Math.Min(_everyEvents, _intervalTicks > 0 ? ClockCheckEvery : long.MaxValue) : ClockCheckEvery;
        _countdown = _everyEvents > 0 || _intervalTicks > 0 ? _step : long.MaxValue;
        _nextDueTicks = Stopwatch.GetTimestamp() + _intervalTicks;
    }

    /// <summary>Set after a failure under <see cref="SnapshotFailurePolicy.Stop"/>: the engine refuses input.</summary>
    public SnapshotFailedException? StopError => _stopError;

    /// <summary>The newest snapshot taken by this engine, or null.</summary>
    public SnapshotInfo? Last => Volatile.Read(ref _last);

    /// <summary>Whether a snapshot's files are being written now.</summary>
    public bool InProgress
    {
        get
        {
            lock (_gate)
            {
                return _inFlight is { IsCompleted: false };
            }
        }
    }

    /// <summary>Snapshots that failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Counts one submitted record; starts a periodic snapshot when one is due. Producer thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void OnSubmitted()
    {
        if (--_countdown <= 0)
        {
            OnCountdown();
        }
    }

    /// <summary>Starts a periodic snapshot if one is due and none is in flight; true when it started. Producer thread.</summary>
    public bool StartIfDue()
    {
        if (_everyEvents <= 0 && _intervalTicks <= 0)
        {
            return false;
        }
        bool due = (_everyEvents > 0 && _eventsSince >= _everyEvents)
            || (_intervalTicks > 0 && Stopwatch.GetTimestamp() >= _nextDueTicks);
        if (!due)
        {
            return false;
        }
        lock (_gate)
        {
            if (_inFlight is { IsCompleted: false })
            {
                return false; // tried again at the next countdown
            }
            Begin(extras: null, periodic: true);
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnCountdown()
    {
        _countdown = _step;
        _eventsSince += _step;
        StartIfDue();
    }

    /// <summary>
    /// Publishes a snapshot's cut now (after waiting for a snapshot still in flight) and returns the
    /// task that completes it in the background. Producer thread.
    /// </summary>
    public Task<SnapshotInfo> Start(IReadOnlyDictionary<string, string>? extras)
    {
        while (true)
        {
            WaitForInFlight();
            lock (_gate)
            {
                // With several producers a periodic snapshot may have started since the wait.
                if (_inFlight is not { IsCompleted: false })
                {
                    return Begin(extras, periodic: false);
                }
            }
        }
    }

    /// <summary>Waits until no snapshot is in flight (its failure was already reported).</summary>
    public void WaitForInFlight()
    {
        Task<SnapshotInfo>? task;
        lock (_gate)
        {
            task = _inFlight;
        }
        if (task is not null)
        {
            try
            {
                task.Wait();
            }
            catch (AggregateException)
            {
                // Reported by its continuation (periodic) or to the caller who started it.
            }
        }
    }

    private Task<SnapshotInfo> Begin(IReadOnlyDictionary<string, string>? extras, bool periodic)
    {
        long sequence = _nextSequence++;
        _eventsSince = 0;
        _nextDueTicks = Stopwatch.GetTimestamp() + _intervalTicks;
        var copy = extras is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(extras, StringComparer.Ordinal);
        var command = new SnapshotCutCommand(_shards.Length, _options.CaptureSnapshotExtras, _options.SnapshotTimeout);
        long started = Stopwatch.GetTimestamp();
        DateTimeOffset createdAt = DateTimeOffset.UtcNow;
        _post(command);
        // A thread of its own, not a pool thread: completing blocks on FASTER's flushes, whose I/O
        // completions need pool threads; blocking one of the few pool threads stalls them (the pool
        // adds threads only about once a second).
        Task<SnapshotInfo> task = Task.Factory.StartNew(() =>
        {
            try
            {
                return Complete(sequence, command, copy, started, createdAt);
            }
            catch (Exception e)
            {
                // Counted before the task faults, so whoever sees the failure also sees it counted.
                Interlocked.Increment(ref _failures);
                if (e is SnapshotFailedException)
                {
                    throw;
                }
                throw Failure(sequence, e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (periodic)
        {
            task.ContinueWith(t => Report(t.Exception!.InnerException!), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        else
        {
            // Explicit snapshots report to their caller; only the Stop policy is applied here.
            task.ContinueWith(t => ApplyPolicy(t.Exception!.InnerException!), CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        _inFlight = task;
        return task;
    }

    private void Report(Exception e)
    {
        Log(e.Message);
        ApplyPolicy(e);
    }

    private void ApplyPolicy(Exception e)
    {
        if (_options.OnSnapshotFailure == SnapshotFailurePolicy.Stop && e is SnapshotFailedException failed)
        {
            _stopError ??= failed;
        }
    }

    private void Log(string line) => _options.Logger?.Invoke(line);
}
