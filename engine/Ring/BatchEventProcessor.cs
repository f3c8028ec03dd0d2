using System.Runtime.CompilerServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// Runs one handler over a ring on a dedicated thread: waits on its barrier for the next available
/// range, hands every slot of the range to the handler by reference, then moves its own
/// <see cref="Sequence"/> past the range (which frees the slots for producers).
/// Generic over the handler so the per-event call is direct (inlined for struct handlers).
/// </summary>
internal sealed class BatchEventProcessor<T, THandler> : IEventProcessor
    where T : struct
    where THandler : IEventHandler<T>
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int Halting = 2;
    private const int Draining = 3;

    private readonly RingBuffer<T> _ring;
    private readonly SequenceBarrier _barrier;
    private readonly IExceptionPolicy _policy;
    // Join waits on this monitor; not a ManualResetEventSlim, which would make the processor disposable.
    private readonly object _stopGate = new();
    private bool _stopped = true;
    private THandler _handler;
    private readonly IPrefetchingEventHandler<T>? _prefetcher;
    private readonly IIdleWorkHandler? _idleWorker;

    /// <summary>How many events ahead of the current one a prefetching handler is shown (see <see cref="IPrefetchingEventHandler{T}"/>).</summary>
    public const int PrefetchDistance = 2;
    private int _state;
    private HandlerFault? _fault;

    /// <summary>
    /// Creates a processor of <paramref name="ring"/> that waits on <paramref name="barrier"/> (from the same ring)
    /// and calls <paramref name="handler"/>. Handler exceptions go to <paramref name="policy"/>
    /// (default: a new <see cref="RecordAndContinuePolicy"/>).
    /// </summary>
    public BatchEventProcessor(RingBuffer<T> ring, SequenceBarrier barrier, THandler handler,
        IExceptionPolicy? policy = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(barrier);
        ArgumentNullException.ThrowIfNull(handler);
        if (!ReferenceEquals(barrier.Sequencer, ring.Sequencer))
        {
            throw new ArgumentException("The barrier was created by another ring; create it with this ring's NewBarrier.", nameof(barrier));
        }
        _ring = ring;
        _barrier = barrier;
        _handler = handler;
        _prefetcher = handler as IPrefetchingEventHandler<T>;
        _idleWorker = handler as IIdleWorkHandler;
        _policy = policy ?? new RecordAndContinuePolicy();
        Name = string.IsNullOrWhiteSpace(name) ? "ring-processor" : name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public Sequence Sequence { get; } = new();

    /// <summary>The barrier this processor waits on.</summary>
    public SequenceBarrier Barrier => _barrier;

    /// <summary>The handler (for a struct handler, the processor's own copy). Read its state only after the processor stopped.</summary>
    public ref THandler Handler => ref _handler;

    /// <summary>The policy handler exceptions go to.</summary>
    public IExceptionPolicy ExceptionPolicy => _policy;

    /// <inheritdoc />
    public bool IsRunning => Volatile.Read(ref _state) != Idle;

    /// <inheritdoc />
    public HandlerFault? Fault => Volatile.Read(ref _fault);

    /// <inheritdoc />
    public void Start()
    {
        Claim();
        try
        {
            var thread = new Thread(RunLoop) { Name = Name, IsBackground = true };
            thread.Start();
        }
        catch
        {
            Volatile.Write(ref _state, Idle);
            SetStopped(true);
            throw;
        }
    }

    /// <inheritdoc />
    public void Run()
    {
        Claim();
        RunLoop();
    }

    /// <inheritdoc />
    public void Halt()
    {
        int state;
        do
        {
            state = Volatile.Read(ref _state);
            if (state is Idle or Halting)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _state, Halting, state) != state);
        _barrier.Alert();
    }

    /// <inheritdoc />
    public void RequestDrain()
    {
        if (Interlocked.CompareExchange(ref _state, Draining, Running) == Running)
        {
            _barrier.Alert();
        }
    }

    /// <summary>Requests a drain and waits for it; false on timeout.</summary>
    public bool DrainAndStop(TimeSpan timeout)
    {
        RequestDrain();
        return Join(timeout);
    }

    /// <inheritdoc />
    public bool Join(TimeSpan timeout)
    {
        long deadline = Deadline.After(timeout);
        lock (_stopGate)
        {
            while (!_stopped)
            {
                int left = Deadline.RemainingMilliseconds(deadline);
                if (left <= 0)
                {
                    return false;
                }
                Monitor.Wait(_stopGate, left == int.MaxValue ? Timeout.Infinite : left);
            }
            return true;
        }
    }

    private void SetStopped(bool stopped)
    {
        lock (_stopGate)
        {
            _stopped = stopped;
            Monitor.PulseAll(_stopGate);
        }
    }

    private void Claim()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Idle) != Idle)
        {
            throw new InvalidOperationException($"Event processor '{Name}' is already running; a processor runs on one thread at a time.");
        }
        // Cleared after winning the state, so a Halt racing with this start is seen by the loop's state check.
        _barrier.ClearAlert();
        Volatile.Write(ref _fault, null);
        SetStopped(false);
    }

    private void RunLoop()
    {
        try
        {
            if (NotifyStart())
            {
                ProcessEvents();
            }
        }
        catch (Exception ex)
        {
            // Only a bug in the loop itself gets here (handler exceptions are caught per event); never die silently.
            HaltWith(new HandlerFault(ex, Sequence.Value + 1, Name, HandlerHook.Event));
        }
        finally
        {
            NotifyShutdown();
            Volatile.Write(ref _state, Idle);
            SetStopped(true);
        }
    }

    private void ProcessEvents()
    {
        long next = Sequence.Value + 1;
        while (Volatile.Read(ref _state) != Halting)
        {
            if (_idleWorker is not null && !_barrier.IsAlerted && _barrier.CursorValue < next && _idleWorker.OnIdle())
            {
                // Nothing claimed yet: the handler did a piece of its own work. Let another thread of this core run, then look again.
                Thread.Yield();
                continue;
            }
            long available = _barrier.WaitFor(next);
            if (available < next)
            {
                // Alerted with nothing left: a drain is complete, or a halt was requested.
                if (Volatile.Read(ref _state) != Running)
                {
                    return;
                }
                Thread.Yield();
                continue;
            }
            if (!ProcessBatch(next, available))
            {
                return;
            }
            next = available + 1;
        }
    }

    /// <summary>Handles next..available; false when the policy halted the processor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ProcessBatch(long next, long available)
    {
        long sequence = next;
        bool batchStarted = false;
        bool inEvents = false;
        while (true)
        {
            try
            {
                if (!batchStarted)
                {
                    batchStarted = true;
                    _handler.OnBatchStart(available - next + 1);
                }
                inEvents = true;
                IPrefetchingEventHandler<T>? prefetcher = _prefetcher;
                if (prefetcher is not null && sequence == next)
                {
                    // The first events of a batch have no earlier event to overlap their misses with; start them together.
                    for (long ahead = next; ahead < next + PrefetchDistance && ahead <= available; ahead++)
                    {
                        prefetcher.Prefetch(ref _ring[ahead]);
                    }
                }
                for (; sequence <= available; sequence++)
                {
                    if (prefetcher is not null && sequence + PrefetchDistance <= available)
                    {
                        prefetcher.Prefetch(ref _ring[sequence + PrefetchDistance]);
                    }
                    _handler.OnEvent(ref _ring[sequence], sequence, sequence == available);
                }
                break;
            }
            catch (Exception ex)
            {
                var fault = new HandlerFault(ex, sequence, Name, inEvents ? HandlerHook.Event : HandlerHook.BatchStart);
                if (Decide(fault) == FaultAction.Halt)
                {
                    // Everything before the failed event is done; the failed one and later are not.
                    Sequence.Value = sequence - 1;
                    HaltWith(fault);
                    return false;
                }
                if (inEvents)
                {
                    sequence++;
                }
            }
        }
        Sequence.Value = available;
        return true;
    }

    private bool NotifyStart()
    {
        try
        {
            _handler.OnStart();
            return true;
        }
        catch (Exception ex)
        {
            var fault = new HandlerFault(ex, -1, Name, HandlerHook.Start);
            if (Decide(fault) == FaultAction.Halt)
            {
                HaltWith(fault);
                return false;
            }
            return true;
        }
    }

    private void NotifyShutdown()
    {
        try
        {
            _handler.OnShutdown();
        }
        catch (Exception ex)
        {
            Decide(new HandlerFault(ex, Sequence.Value, Name, HandlerHook.Shutdown));
        }
    }

    private FaultAction Decide(HandlerFault fault)
    {
        try
        {
            return _policy.OnHandlerException(fault);
        }
        catch (Exception policyError)
        {
            // A policy that throws cannot be trusted to have reported anything: halt and keep both errors.
            Volatile.Write(ref _fault, new HandlerFault(new AggregateException(
                "The exception policy threw while reporting a handler exception.", fault.Exception, policyError),
                fault.Sequence, fault.ProcessorName, fault.Hook));
            return FaultAction.Halt;
        }
    }

    private void HaltWith(HandlerFault fault)
    {
        Interlocked.CompareExchange(ref _fault, fault, null);
        Volatile.Write(ref _state, Halting);
        _ring.Sequencer.ReportConsumerHalted(Volatile.Read(ref _fault)!);
    }
}
