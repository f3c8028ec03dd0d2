using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>
/// Stops the processor at the first handler exception (the engine records and continues; tests use this to exercise
/// the halt path). The fault is kept by the processor (<see cref="IEventProcessor.Fault"/>) and producers waiting
/// for the halted processor get a <see cref="ProcessorHaltedException"/>.
/// </summary>
internal sealed class HaltOnErrorPolicy : IExceptionPolicy
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
