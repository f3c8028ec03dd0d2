namespace Attribution.Bench.Ring;

/// <summary>The hand-off mechanisms compared by the ring suite.</summary>
internal enum HandOff
{
    /// <summary>Our ring, single producer, consumer busy-spins.</summary>
    RingBusySpin,
    /// <summary>Our ring, single producer, consumer spins then yields.</summary>
    RingYielding,
    /// <summary>System.Threading.Channels bounded channel, SingleReader/SingleWriter, same capacity.</summary>
    Channel,
    /// <summary>BlockingCollection over a ConcurrentQueue, same capacity.</summary>
    BlockingCollection,
}
