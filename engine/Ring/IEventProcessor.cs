namespace Attribution.Engine.Ring;

/// <summary>A consumer of a ring that runs on its own thread (see <see cref="BatchEventProcessor{T, THandler}"/>).</summary>
internal interface IEventProcessor
{
    /// <summary>Name of the processor and of its thread.</summary>
    string Name { get; }

    /// <summary>The last sequence this processor has finished with.</summary>
    Sequence Sequence { get; }

    /// <summary>True from <see cref="Start"/> (or <see cref="Run"/>) until the loop has exited.</summary>
    bool IsRunning { get; }

    /// <summary>The fault that halted the processor, or null.</summary>
    HandlerFault? Fault { get; }

    /// <summary>Runs the processor on a new, named background thread.</summary>
    void Start();

    /// <summary>Runs the processor on the calling thread until it is halted or drained.</summary>
    void Run();

    /// <summary>Stops after the current batch; events not yet handled stay unhandled. Does not wait.</summary>
    void Halt();

    /// <summary>Asks the processor to handle every event available to it and then stop. Does not wait;
    /// producers must have stopped first for "everything" to be final.</summary>
    void RequestDrain();

    /// <summary>Waits for the processor loop to exit; false on timeout.</summary>
    bool Join(TimeSpan timeout);
}
