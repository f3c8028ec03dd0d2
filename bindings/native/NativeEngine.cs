using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;

namespace Attribution.Native;

/// <summary>
/// One engine opened through the C ABI: the engine, the output queue the caller polls, and the
/// guards that turn misuse into status codes. Every export brackets its work in
/// <see cref="TryEnter"/>/<see cref="Exit"/> so that <c>attr_close</c> waits for calls in flight
/// instead of disposing under them.
/// </summary>
internal sealed class NativeEngine
{
    private const int GateFree = 0;
    private const int GateSubmit = 1;
    private const int GateCommand = 2;

    private readonly bool _multiProducer;
    private int _active;
    private int _closed;
    // Single-producer ring: one claimant at a time. Submitters take it without waiting (a second
    // submitter is a thread-rule violation and gets ATTR_BUSY); commands (flush, queries) wait for it.
    private int _gate;

    /// <summary>
    /// Opens the engine with <see cref="AttributionEngine.Open"/>, so that a state directory's newest
    /// valid snapshot is recovered (throws what it throws, e.g. <see cref="SnapshotMismatchException"/>).
    /// </summary>
    public NativeEngine(NativeConfig config)
    {
        Config = config;
        _multiProducer = config.Engine.MultiProducer;
        Output = new OutputQueue(config.Engine.OutputFormat, config.OutputBufferBytes);
        Engine = AttributionEngine.Open(config.Engine, Output);
    }

    /// <summary>The C handle (set by <see cref="EngineHandles.Add"/> before the handle is published).</summary>
    public nint Handle { get; set; }

    /// <summary>The configuration.</summary>
    public NativeConfig Config { get; }

    /// <summary>The engine.</summary>
    public AttributionEngine Engine { get; }

    /// <summary>Attributions waiting to be polled.</summary>
    public OutputQueue Output { get; }

    /// <summary>Starts a call; false when the engine is closing (the caller then reports an invalid handle).</summary>
    public bool TryEnter()
    {
        // Increment, then read _closed; close writes _closed, then reads _active. Both are full
        // fences, so either the call sees the close or the close waits for the call.
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _closed) != 0)
        {
            Interlocked.Decrement(ref _active);
            return false;
        }
        return true;
    }

    /// <summary>Ends a call started by <see cref="TryEnter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _active);

    /// <summary>Marks the engine closed and waits for calls in flight; false when it was already closing.</summary>
    public bool Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _active) != 0)
        {
            spinner.SpinOnce();
        }
        Engine.Dispose();
        return true;
    }

    /// <summary>Takes the producer side for a submit; <see cref="AttrStatus.Busy"/> when another submit holds it.</summary>
    public AttrStatus EnterSubmit()
    {
        if (_multiProducer)
        {
            return AttrStatus.Ok;
        }
        var spinner = default(SpinWait);
        while (true)
        {
            int held = Interlocked.CompareExchange(ref _gate, GateSubmit, GateFree);
            if (held == GateFree)
            {
                return AttrStatus.Ok;
            }
            if (held == GateSubmit)
            {
                return AttrStatus.Busy;
            }
            spinner.SpinOnce(); // a command holds it briefly: wait
        }
    }

    /// <summary>Releases what <see cref="EnterSubmit"/> took.</summary>
    public void ExitSubmit()
    {
        if (!_multiProducer)
        {
            Volatile.Write(ref _gate, GateFree);
        }
    }

    /// <summary>
    /// Takes a snapshot into the state directory and waits for it to be durable. Only publishing the
    /// cut holds the command gate (it goes through the ring); the files are written while submitters go on.
    /// </summary>
    /// <exception cref="SnapshotFailedException">It failed; the previous snapshot is kept.</exception>
    public SnapshotInfo Snapshot()
    {
        Task<SnapshotInfo> done;
        bool gated = EnterCommand();
        try
        {
            done = Engine.SnapshotAsync();
        }
        finally
        {
            ExitCommand(gated);
        }
        return done.GetAwaiter().GetResult();
    }

    /// <summary>Waits until everything submitted before is applied and its outputs delivered, serialised with submitters on a single-producer ring.</summary>
    public void Flush(TimeSpan timeout)
    {
        bool gated = EnterCommand();
        try
        {
            Engine.Flush(timeout);
        }
        finally
        {
            ExitCommand(gated);
        }
    }

    /// <summary>The newest live click of (user, campaign), or null; serialised with submitters on a single-producer ring.</summary>
    public LastClick? FindLastClick(ReadOnlySpan<byte> userId, ReadOnlySpan<byte> campaignId, TimeSpan timeout)
    {
        bool gated = EnterCommand();
        try
        {
            return Engine.FindLastClick(userId, campaignId, timeout);
        }
        finally
        {
            ExitCommand(gated);
        }
    }

    // Single-producer ring: waits until no submit or other command holds the producer side; false (nothing taken) with several producers.
    private bool EnterCommand()
    {
        if (_multiProducer)
        {
            return false;
        }
        var spinner = default(SpinWait);
        while (Interlocked.CompareExchange(ref _gate, GateCommand, GateFree) != GateFree)
        {
            spinner.SpinOnce();
        }
        return true;
    }

    private void ExitCommand(bool entered)
    {
        if (entered)
        {
            Volatile.Write(ref _gate, GateFree);
        }
    }
}
