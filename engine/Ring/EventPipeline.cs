namespace Attribution.Engine.Ring;

/// <summary>
/// Wires one ring to one stage of processors: every processor sees every slot (each handler picks its
/// own events, e.g. shard = partition mod N). Producers are gated by the slowest processor.
/// </summary>
/// <example>
/// <code>
/// using var pipeline = new EventPipeline&lt;EventRecord&gt;(16384, ProducerType.Single, new YieldingWaitStrategy());
/// pipeline.HandleEventsWith("shard", shards);   // N handlers, one thread each
/// pipeline.Start();
/// long seq = pipeline.Ring.Next(); /* fill pipeline.Ring[seq] */ pipeline.Ring.Publish(seq);
/// pipeline.DrainAndStop(TimeSpan.FromSeconds(10));
/// </code>
/// </example>
internal sealed class EventPipeline<T> : IDisposable where T : struct
{
    private const int Configuring = 0;
    private const int Started = 1;
    private const int Stopped = 2;

    private IEventProcessor[] _all = [];
    private int _state;

    /// <summary>
    /// Creates the ring (<paramref name="bufferSize"/> slots, a power of two). Handler exceptions go to
    /// <paramref name="exceptionPolicy"/> (default: one shared <see cref="RecordAndContinuePolicy"/>).
    /// </summary>
    public EventPipeline(int bufferSize, ProducerType producerType = ProducerType.Single,
        IWaitStrategy? waitStrategy = null, IExceptionPolicy? exceptionPolicy = null)
    {
        Ring = new RingBuffer<T>(bufferSize, producerType, waitStrategy);
        ExceptionPolicy = exceptionPolicy ?? new RecordAndContinuePolicy();
    }

    /// <summary>The ring producers claim and publish on.</summary>
    public RingBuffer<T> Ring { get; }

    /// <summary>Where handler exceptions go.</summary>
    public IExceptionPolicy ExceptionPolicy { get; }

    /// <summary>Every processor.</summary>
    public IReadOnlyList<IEventProcessor> Processors => _all;

    /// <summary>The first fault that halted a processor (in processor order), or null.</summary>
    public HandlerFault? Fault
    {
        get
        {
            foreach (IEventProcessor p in _all)
            {
                if (p.Fault is { } fault)
                {
                    return fault;
                }
            }
            return Ring.Sequencer.ConsumerFault;
        }
    }

    /// <summary>
    /// Adds the stage: one processor (and thread, named <c>{name}-{i}</c>) per handler, each reading every slot.
    /// </summary>
    public BatchEventProcessor<T, THandler>[] HandleEventsWith<THandler>(string name, params THandler[] handlers)
        where THandler : IEventHandler<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handlers);
        if (handlers.Length == 0)
        {
            throw new ArgumentException("A stage needs at least one handler.", nameof(handlers));
        }
        if (Volatile.Read(ref _state) != Configuring)
        {
            throw new InvalidOperationException("The stage can only be added before Start().");
        }
        if (_all.Length != 0)
        {
            throw new InvalidOperationException("The stage is already set; a pipeline has one stage.");
        }
        var processors = new BatchEventProcessor<T, THandler>[handlers.Length];
        for (int i = 0; i < handlers.Length; i++)
        {
            // One barrier per processor: alerting one (to stop it) must not stop its siblings.
            processors[i] = new BatchEventProcessor<T, THandler>(
                Ring, Ring.NewBarrier(), handlers[i], ExceptionPolicy, $"{name}-{i}");
        }
        _all = [.. processors];
        return processors;
    }

    /// <summary>Starts every processor on its own thread; producers may publish from now on.</summary>
    public void Start()
    {
        if (_all.Length == 0)
        {
            throw new InvalidOperationException("Add the stage (HandleEventsWith) before Start().");
        }
        if (Interlocked.CompareExchange(ref _state, Started, Configuring) != Configuring)
        {
            throw new InvalidOperationException("The pipeline was already started; a pipeline starts once.");
        }
        long cursor = Ring.Cursor;
        foreach (IEventProcessor p in _all)
        {
            p.Sequence.Value = cursor;
        }
        Ring.AddGatingSequences(Array.ConvertAll(_all, p => p.Sequence));
        foreach (IEventProcessor p in _all)
        {
            p.Start();
        }
    }

    /// <summary>
    /// Clean shutdown: call it after producers stopped publishing. Waits until every claimed slot is
    /// published, then stops the processors, each after it handled everything before it. Returns
    /// false when <paramref name="timeout"/> passed first (the remaining processors are then halted).
    /// </summary>
    public bool DrainAndStop(TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _state, Stopped, Started) != Started)
        {
            return true;
        }
        long deadline = Deadline.After(timeout);
        bool complete = WaitForClaimsPublished(deadline);
        foreach (IEventProcessor p in _all)
        {
            p.RequestDrain();
        }
        foreach (IEventProcessor p in _all)
        {
            if (!p.Join(Deadline.Remaining(deadline)))
            {
                complete = false;
            }
        }
        if (!complete)
        {
            HaltAll(Deadline.Remaining(deadline));
        }
        return complete;
    }

    /// <summary>Stops every processor after its current batch, leaving unhandled events; false on timeout.</summary>
    public bool Halt(TimeSpan timeout)
    {
        Interlocked.Exchange(ref _state, Stopped);
        return HaltAll(timeout);
    }

    /// <summary>Halts the processors (waiting up to 5 s); use <see cref="DrainAndStop"/> first for a clean stop.</summary>
    public void Dispose() => Halt(TimeSpan.FromSeconds(5));

    private bool HaltAll(TimeSpan timeout)
    {
        long deadline = Deadline.After(timeout);
        foreach (IEventProcessor p in _all)
        {
            p.Halt();
        }
        bool stopped = true;
        foreach (IEventProcessor p in _all)
        {
            stopped &= p.Join(Deadline.Remaining(deadline));
        }
        return stopped;
    }

    private bool WaitForClaimsPublished(long deadline)
    {
        var spinner = new SpinWait();
        while (true)
        {
            long cursor = Ring.Cursor;
            long from = Math.Max(cursor - Ring.BufferSize + 1, 0);
            if (cursor < 0 || Ring.Sequencer.GetHighestPublishedSequence(from, cursor) == cursor)
            {
                return true;
            }
            if (Deadline.HasPassed(deadline))
            {
                return false;
            }
            spinner.SpinOnce();
        }
    }
}
