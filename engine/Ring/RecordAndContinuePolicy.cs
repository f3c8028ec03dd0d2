namespace Attribution.Engine.Ring;

/// <summary>
/// The default policy: counts and keeps the most recent faults, calls an optional callback, and lets the
/// processor continue with the next event, so one bad event never stops a shard.
/// </summary>
internal sealed class RecordAndContinuePolicy : IExceptionPolicy
{
    /// <summary>How many recent faults are kept.</summary>
    public const int RecentCapacity = 32;

    private readonly Action<HandlerFault>? _onFault;
    private readonly Queue<HandlerFault> _recent = new(RecentCapacity);
    private long _count;

    /// <summary>Creates the policy; <paramref name="onFault"/> (optional) is called on the processor thread for every fault.</summary>
    public RecordAndContinuePolicy(Action<HandlerFault>? onFault = null)
    {
        _onFault = onFault;
    }

    /// <summary>Faults seen so far.</summary>
    public long FaultCount => Interlocked.Read(ref _count);

    /// <summary>The most recent faults (up to <see cref="RecentCapacity"/>), oldest first.</summary>
    public HandlerFault[] RecentFaults()
    {
        lock (_recent)
        {
            return [.. _recent];
        }
    }

    /// <inheritdoc />
    public FaultAction OnHandlerException(HandlerFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        Interlocked.Increment(ref _count);
        lock (_recent)
        {
            if (_recent.Count == RecentCapacity)
            {
                _recent.Dequeue();
            }
            _recent.Enqueue(fault);
        }
        _onFault?.Invoke(fault);
        return FaultAction.Continue;
    }
}
