namespace Attribution.Engine.Pipeline;

/// <summary>How idle shard threads wait for events.</summary>
public enum WaitKind : byte
{
    /// <summary>Spin, then yield the core: low latency, leaves cores to others when idle (default).</summary>
    Yielding = 0,
    /// <summary>Spin without yielding: lowest latency, one busy core per shard.</summary>
    BusySpin = 1,
    /// <summary>Block on a lock until signalled: no CPU when idle, higher hand-off latency.</summary>
    Blocking = 2,
    /// <summary>Spin, yield, then sleep briefly: nearly no CPU when idle.</summary>
    Sleeping = 3,
}
