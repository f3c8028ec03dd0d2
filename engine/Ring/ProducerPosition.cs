using System.Runtime.InteropServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// The single producer's private bookkeeping: written on every claim by the producer thread only,
/// so it is padded away from anything consumers read.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Padding.CacheLine + 2 * sizeof(long) + Padding.CacheLine)]
internal struct ProducerPosition
{
    /// <summary>Highest sequence claimed so far.</summary>
    [FieldOffset(Padding.CacheLine)]
    public long Claimed;

    /// <summary>Slowest gating sequence last seen; re-read only when a claim would pass it.</summary>
    [FieldOffset(Padding.CacheLine + sizeof(long))]
    public long CachedGate;
}
