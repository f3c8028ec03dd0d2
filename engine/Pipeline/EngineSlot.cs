using Attribution.Engine.Events;

namespace Attribution.Engine.Pipeline;

/// <summary>One preallocated ring slot: a decoded event or a control command. The source decodes straight into it.</summary>
internal struct EngineSlot
{
    /// <summary>What the slot carries.</summary>
    public SlotKind Kind;
    /// <summary>For <see cref="SlotKind.Command"/>: the command object every shard executes (allocated per command, not per event).</summary>
    public ShardCommand? Command;
    /// <summary>For <see cref="SlotKind.Event"/>: the event.</summary>
    public EventRecord Record;
}
