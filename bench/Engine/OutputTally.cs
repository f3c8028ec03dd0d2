using System.Runtime.InteropServices;

namespace Attribution.Bench.Engine;

/// <summary>What one shard delivered. 128 bytes so two shards' tallies never share a cache line.</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct OutputTally
{
    /// <summary>Attributions (entries).</summary>
    [FieldOffset(64)] public long Count;
    /// <summary>Bytes of the JSON-lines blocks, line feeds included.</summary>
    [FieldOffset(72)] public long Bytes;
    /// <summary>Line feeds counted in the blocks (must equal <see cref="Count"/>).</summary>
    [FieldOffset(80)] public long LineFeeds;
    /// <summary>Sum of the XXH3-64 of each attribution's bytes (order-independent).</summary>
    [FieldOffset(88)] public ulong Checksum;
    /// <summary>Batches delivered.</summary>
    [FieldOffset(96)] public long Batches;
}
