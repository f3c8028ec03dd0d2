namespace Attribution.Engine.Ring;

/// <summary>What a processor does after its handler threw.</summary>
internal enum FaultAction
{
    /// <summary>Skip the failed event and go on with the next one.</summary>
    Continue = 0,
    /// <summary>Stop the processor; the fault is surfaced to producers and the pipeline.</summary>
    Halt = 1,
}
