namespace Attribution.Engine.Ring;

/// <summary>
/// Stops the processor at the first handler exception. The fault is kept by the processor
/// (<see cref="IEventProcessor.Fault"/>), producers waiting for the halted processor get a
/// <see cref="ProcessorHaltedException"/>, and <see cref="EventPipeline{T}.ThrowIfFaulted"/> throws it.
/// </summary>
public sealed class HaltOnErrorPolicy : IExceptionPolicy
{
    private readonly Action<HandlerFault>? _onFault;

    /// <summary>Creates the policy; <paramref name="onFault"/> (optional) is called on the processor thread.</summary>
    public HaltOnErrorPolicy(Action<HandlerFault>? onFault = null)
    {
        _onFault = onFault;
    }

    /// <inheritdoc />
    public FaultAction OnHandlerException(HandlerFault fault)
    {
        _onFault?.Invoke(fault);
        return FaultAction.Halt;
    }
}
