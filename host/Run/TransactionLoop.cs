using Attribution.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The transaction loop: one thread that owns the producer (<see cref="TransactionalSink"/>) and runs a cycle
/// every <see cref="RunOptions.CommitInterval"/> (at a fixed rate): one Kafka transaction holding everything complete
/// since the last one. Between cycles it streams the outputs delivered so far into the open transaction. Other threads never enter a cycle: they hand work to this thread (<see cref="Invoke{T}"/>: a
/// rebalance, a rewind, a snapshot cut, the stop) and wait for it, so partition state changes between cycles.
/// </summary>
/// <remarks>
/// Which offsets a transaction may commit: the loop reads each partition's consumed position, then flushes the
/// engine (every event submitted before is applied and its outputs delivered), then takes the delivered
/// outputs. Offsets up to the position read are complete; an output at a later offset also proves everything of
/// its partition before it complete (a partition lives on one shard, which applies and delivers in order).
/// An aborted transaction asks the source loop for a rewind: every owned partition restarts from its commit.
/// </remarks>
internal sealed class TransactionLoop : IDisposable
{
    private static readonly TimeSpan EngineTimeout = TimeSpan.FromSeconds(60);

    // How often outputs are streamed into the open transaction between cycles (a quarter of shorter intervals).
    private const long StreamEveryMs = 5;

    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly AttributionEngine _engine;
    private readonly TransactionalSink _sink;
    private readonly OutputCollector _collector;
    private readonly DeadLetterQueue _deadLetters;
    private readonly PartitionTable _table;
    private readonly PipelineObserver _observer;
    private readonly PipelineStats _stats;
    private readonly RunState _state;
    private readonly object _gate = new();
    private readonly Queue<TransactionWorkItem> _work = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly List<PartitionSlot> _owned = new();
    private readonly List<PartitionSlot> _inputOwned = new();
    private readonly Repartitioner? _repartitioner;
    private readonly RecoveryPlanner? _planner;
    private long[] _commitPoints = new long[64];
    private long[] _inputPoints = new long[64];
    private long _faultsSeen;
    private bool _closed = true; // until started, and again once the thread ended: work then runs on the caller
    private volatile bool _ending;
    private volatile bool _rewindPending;
    private Thread? _thread;
    private IConsumer<RawValue, RawValue>? _consumer;

    /// <summary>Creates the loop (no thread until <see cref="Start"/>).</summary>
    public TransactionLoop(RunOptions options, RunLog log, AttributionEngine engine, TransactionalSink sink, OutputCollector collector,
        DeadLetterQueue deadLetters, PartitionTable table, PipelineObserver observer, PipelineStats stats, RunState state,
        Repartitioner? repartitioner = null, RecoveryPlanner? planner = null)
    {
        _repartitioner = repartitioner;
        _planner = planner;
        _options = options;
        _log = log;
        _engine = engine;
        _sink = sink;
        _collector = collector;
        _deadLetters = deadLetters;
        _table = table;
        _observer = observer;
        _stats = stats;
        _state = state;
    }

    /// <summary>Set after an aborted transaction or lost partitions until the source loop rewinds (cycles wait for it).</summary>
    public bool RewindPending => _rewindPending;

    /// <summary>Starts the thread; <paramref name="consumer"/> gives the group metadata each transaction carries.</summary>
    public void Start(IConsumer<RawValue, RawValue> consumer)
    {
        _consumer = consumer;
        _thread = new Thread(Loop) { Name = "attribution-transactions", IsBackground = true };
        lock (_gate)
        {
            _closed = false;
        }
        _thread.Start();
    }

    /// <summary>Ends the thread after the work in hand and waits for it.</summary>
    public void Stop()
    {
        _ending = true;
        _wake.Set();
        if (_thread is { } t && t != Thread.CurrentThread)
        {
            t.Join();
        }
    }

    /// <summary>Stops the thread and frees its signal.</summary>
    public void Dispose()
    {
        Stop();
        _wake.Dispose();
    }

    /// <summary>Runs <paramref name="work"/> on the loop's thread between cycles and returns its result (its exception is rethrown here).</summary>
    public T Invoke<T>(Func<T> work)
    {
        T result = default!;
        Invoke(() => { result = work(); });
        return result;
    }

    /// <summary>Runs <paramref name="work"/> on the loop's thread between cycles and waits for it.</summary>
    public void Invoke(Action work)
    {
        var item = new TransactionWorkItem(work);
        bool queued = false;
        if (Thread.CurrentThread != _thread)
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    _work.Enqueue(item);
                    queued = true;
                }
            }
        }
        if (!queued)
        {
            item.Run(); // the loop's own thread, or no loop thread (not started, or ended): the caller is the only one left
        }
        else
        {
            _wake.Set();
            item.Done.Wait();
        }
        item.Done.Dispose();
        item.Error?.Throw();
    }

    /// <summary>Asks for a rewind (lost partitions; uncommitted work of every partition shares the pending buffers).</summary>
    public void RequestRewind() => _rewindPending = true;

    /// <summary>
    /// Drops all uncommitted work and recovers every owned partition from its committed offset again; returns
    /// where the consumer must seek. Called by the source loop (which seeks) when <see cref="RewindPending"/>.
    /// </summary>
    public List<TopicPartitionOffset> Rewind(IConsumer<RawValue, RawValue> consumer) => Invoke(() =>
    {
        _stats.RecordRewind();
        _sink.AbortOpen(); // what was streamed into it is redone too
        _observer.StreamDiscarded();
        _engine.Flush();
        _collector.Discard();
        _deadLetters.Discard();
        var partitions = _table.RemoveAll();
        var inputs = _repartitioner?.RemoveAll() ?? [];
        _rewindPending = false;
        _log.Warn("rewind", $"partitions={string.Join(",", partitions)} input_partitions={string.Join(",", inputs)} reason=uncommitted_work_discarded");
        var seeks = new List<TopicPartitionOffset>();
        if (inputs.Count > 0 && AssignInput(inputs, consumer) is { } inputPlan)
        {
            seeks.AddRange(inputs.Select(p => new TopicPartitionOffset(_options.InputTopic, p, inputPlan[p].Start)));
        }
        if (partitions.Count > 0 && _table.Assign(partitions, consumer) is { } plan)
        {
            seeks.AddRange(partitions.Select(p => new TopicPartitionOffset(_options.StateTopic, p, plan[p].Start)));
        }
        return seeks;
    });

    /// <summary>Plans and installs input partitions of the re-key stage (on this loop's thread); null after a fatal error.</summary>
    public Dictionary<int, RecoveryPoint>? AssignInput(IReadOnlyList<int> partitions, IConsumer<RawValue, RawValue> consumer)
    {
        if (_repartitioner is null || _planner is null)
        {
            return null;
        }
        var plan = _planner.PlanInputRetrying(partitions, consumer.Committed, _state);
        if (plan is not null)
        {
            _repartitioner.Assign(plan);
        }
        return plan;
    }

    private void Loop()
    {
        long period = (long)_options.CommitInterval.TotalMilliseconds;
        long streamEvery = Math.Clamp(period / 4, 1, StreamEveryMs);
        long next = Environment.TickCount64 + period, nextStream = Environment.TickCount64 + streamEvery;
        try
        {
            while (!_ending)
            {
                _observer.Transactions.Enter("idle:wait");
                _wake.Wait(TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(next, nextStream) - Environment.TickCount64)));
                _wake.Reset();
                RunQueued();
                long now = Environment.TickCount64;
                if (!_ending && now >= next)
                {
                    if (!_state.Failed)
                    {
                        Cycle();
                    }
                    // Fixed rate: the next cycle starts an interval after this one started, so the cycle's own work does
                    // not add to the period (an overrunning cycle is followed at once, never by a burst of catch-ups).
                    next = now + period;
                    nextStream = now + streamEvery;
                }
                else if (!_ending && now >= nextStream)
                {
                    if (!_state.Failed)
                    {
                        Stream();
                    }
                    nextStream = now + streamEvery;
                }
            }
        }
        catch (FatalPipelineException e)
        {
            _state.Fail(e.Message);
            _log.Error("transaction", $"message=\"{e.Message}\"");
        }
        finally
        {
            lock (_gate)
            {
                _closed = true;
            }
            RunQueued(); // work queued before the close still runs here
        }
    }

    /// <summary>
    /// Between cycles: produces what the engine delivered so far into the open transaction. Only the cycle commits, and
    /// which offsets it commits does not depend on these records: each is of an input the source had already read, so
    /// below the positions the cycle reads (or the rewind that follows an abort drops it with the transaction).
    /// </summary>
    private void Stream()
    {
        if (_rewindPending)
        {
            return;
        }
        PendingOutputs outputs = _collector.Take();
        PendingOutputs? rekeyed = _repartitioner?.Take();
        try
        {
            if (outputs.Count == 0 && (rekeyed is null || rekeyed.Count == 0))
            {
                return;
            }
            _observer.Transactions.Enter("stream");
            _observer.Streamed(outputs, _table);
            if (_sink.Stream(outputs, rekeyed) == TransactionalSink.Outcome.Aborted)
            {
                _observer.StreamDiscarded();
                _rewindPending = true;
            }
        }
        finally
        {
            _collector.Return(outputs);
            if (rekeyed is not null)
            {
                _repartitioner!.Return(rekeyed);
            }
        }
    }

    private void RunQueued()
    {
        while (true)
        {
            TransactionWorkItem? item;
            lock (_gate)
            {
                if (!_work.TryDequeue(out item))
                {
                    return;
                }
            }
            _observer.Transactions.Enter("work");
            item.Run();
            item.Done.Set();
        }
    }

    /// <summary>One transaction: everything complete since the last one. On the loop's thread only (a periodic cycle, or inside a work item).</summary>
    /// <exception cref="FatalPipelineException">The producer is fenced or failed, or the engine could not apply an event.</exception>
    public void Cycle()
    {
        if (_rewindPending)
        {
            return;
        }
        _table.Owned(_owned);
        _inputOwned.Clear();
        _repartitioner?.Owned(_inputOwned);
        if (_owned.Count == 0 && _inputOwned.Count == 0)
        {
            return;
        }
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        int maxPartition = ReadPositions(_owned, ref _commitPoints);
        // Read before the copies are taken: every copy below an input partition's position is taken.
        int maxInput = ReadPositions(_inputOwned, ref _inputPoints);
        var stage = _observer.Transactions;
        stage.Enter("cycle:flush");
        try
        {
            _engine.Flush(EngineTimeout);
        }
        catch (ShardFailedException e)
        {
            throw Stopped(e);
        }
        CheckEngineFaults();
        stage.Enter("cycle:take");
        PendingOutputs outputs = _collector.Take();
        PendingOutputs? rekeyed = _repartitioner?.Take();
        try
        {
            if (rekeyed is not null)
            {
                for (int i = 0; i < rekeyed.Count; i++)
                {
                    ref readonly PendingOutput r = ref rekeyed[i];
                    if (r.Partition <= maxInput && r.Offset + 1 > _inputPoints[r.Partition])
                    {
                        _inputPoints[r.Partition] = r.Offset + 1;
                    }
                }
            }
            for (int i = 0; i < outputs.Count; i++)
            {
                ref readonly PendingOutput o = ref outputs[i];
                if (o.Partition <= maxPartition && o.Offset + 1 > _commitPoints[o.Partition])
                {
                    _commitPoints[o.Partition] = o.Offset + 1;
                }
            }
            var offsets = new List<TopicPartitionOffset>();
            long advanced = 0;
            foreach (var s in _owned)
            {
                if (_commitPoints[s.Partition] > s.Committed)
                {
                    offsets.Add(new TopicPartitionOffset(_options.StateTopic, s.Partition, _commitPoints[s.Partition]));
                    advanced += _commitPoints[s.Partition] - s.Committed;
                }
            }
            int stateOffsets = offsets.Count;
            foreach (var s in _inputOwned)
            {
                if (_inputPoints[s.Partition] > s.Committed)
                {
                    offsets.Add(new TopicPartitionOffset(_options.InputTopic, s.Partition, _inputPoints[s.Partition]));
                }
            }
            var points = _commitPoints;
            var letters = _deadLetters.Take(p => p < points.Length && _table.Get(p) is { Owned: true } ? points[p] : -1);
            if (_repartitioner is { } repartitioner)
            {
                var inputPoints = _inputPoints;
                letters.AddRange(repartitioner.DeadLetters.Take(p => p < inputPoints.Length && repartitioner.Get(p) is { Owned: true } ? inputPoints[p] : -1));
            }
            if (outputs.Count == 0 && letters.Count == 0 && offsets.Count == 0 && (rekeyed is null || rekeyed.Count == 0) && !_sink.InTransaction)
            {
                return;
            }
            stage.Enter("cycle:group_metadata");
            var group = _consumer!.ConsumerGroupMetadata;
            stage.Enter("cycle:transaction");
            if (_sink.Commit(outputs, letters, offsets, rekeyed, group) == TransactionalSink.Outcome.Aborted)
            {
                _observer.StreamDiscarded();
                _rewindPending = true;
                return;
            }
            for (int i = 0; i < offsets.Count; i++)
            {
                if (i < stateOffsets)
                {
                    _table.Committed(offsets[i].Partition.Value, offsets[i].Offset.Value);
                }
                else
                {
                    _repartitioner!.Committed(offsets[i].Partition.Value, offsets[i].Offset.Value);
                }
            }
            _observer.Committed(outputs, letters.Count, advanced, _table);
            _stats.RecordCycle(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        finally
        {
            _collector.Return(outputs);
            if (rekeyed is not null)
            {
                _repartitioner!.Return(rekeyed);
            }
        }
    }

    // Each slot's consumed position into points[partition] (grown as needed); returns the largest partition.
    private static int ReadPositions(List<PartitionSlot> slots, ref long[] points)
    {
        int max = 0;
        foreach (var s in slots)
        {
            max = Math.Max(max, s.Partition);
        }
        if (points.Length <= max)
        {
            Array.Resize(ref points, max + 1);
        }
        foreach (var s in slots)
        {
            points[s.Partition] = s.ConsumedNext;
        }
        return max;
    }

    /// <summary>A shard's own output or state failed: nothing after it may be committed, so the host stops with the cause.</summary>
    public static FatalPipelineException Stopped(ShardFailedException e) => new($"The engine stopped: {e.Message}");

    private void CheckEngineFaults()
    {
        long faults = _engine.FaultCount;
        if (faults > _faultsSeen)
        {
            _faultsSeen = faults;
            var first = _engine.RecentFaults().FirstOrDefault();
            // Committing past an event the engine could not apply would lose it silently.
            throw new FatalPipelineException($"The engine could not apply {faults} event(s), so their offsets are not committed (first: {first}).");
        }
    }
}
