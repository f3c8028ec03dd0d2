namespace Attribution.Engine.Ring;

/// <summary>An exception thrown by an event handler, with where it happened. Created only when a handler throws.</summary>
public sealed class HandlerFault
{
    /// <summary>Creates a fault record.</summary>
    public HandlerFault(Exception exception, long sequence, string processorName, HandlerHook hook)
    {
        Exception = exception;
        Sequence = sequence;
        ProcessorName = processorName;
        Hook = hook;
    }

    /// <summary>What the handler threw.</summary>
    public Exception Exception { get; }

    /// <summary>Ring sequence of the event being handled (see <see cref="HandlerHook"/> for the other hooks).</summary>
    public long Sequence { get; }

    /// <summary>Name of the processor (and its thread).</summary>
    public string ProcessorName { get; }

    /// <summary>Which callback threw.</summary>
    public HandlerHook Hook { get; }

    /// <inheritdoc />
    public override string ToString()
        => $"{ProcessorName}: {Hook} at sequence {Sequence} threw {Exception.GetType().Name}: {Exception.Message}";
}
