namespace Attribution.Engine.Ring;

/// <summary>
/// A processor stopped because its handler threw under a halting exception policy. Thrown to
/// producers that would otherwise wait forever for the halted processor to free space.
/// The handler's exception is the inner exception.
/// </summary>
internal sealed class ProcessorHaltedException : Exception
{
    /// <summary>Creates the exception for <paramref name="fault"/>.</summary>
    public ProcessorHaltedException(HandlerFault fault)
        : base($"Event processor '{fault.ProcessorName}' halted: its {fault.Hook} handler threw at sequence {fault.Sequence} " +
               $"({fault.Exception.GetType().Name}: {fault.Exception.Message}). Events from that sequence on were not processed by it.",
               fault.Exception)
    {
        Fault = fault;
    }

    /// <summary>Creates the exception with a message only (serialization and tooling).</summary>
    public ProcessorHaltedException() : base("An event processor halted.")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public ProcessorHaltedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    public ProcessorHaltedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The fault that halted the processor, when known.</summary>
    public HandlerFault? Fault { get; }
}
