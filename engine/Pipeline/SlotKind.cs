namespace Attribution.Engine.Pipeline;

/// <summary>What a ring slot carries.</summary>
internal enum SlotKind : byte
{
    /// <summary>Nothing for the shards: a record the decoder rejected (counted by the producer).</summary>
    Skip = 0,
    /// <summary>A decoded event for the shard that owns its partition.</summary>
    Event = 1,
    /// <summary>A control command every shard executes at this point of the stream (flush, snapshot, drop).</summary>
    Command = 2,
}
