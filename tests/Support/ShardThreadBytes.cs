using Attribution.Engine.Pipeline;

namespace Attribution.Tests.Support;

/// <summary>
/// Reads the allocation counter of every shard thread at one point of the stream (pass it to
/// <see cref="AttributionEngine.Execute"/> before and after the measured events and subtract).
/// </summary>
internal sealed class ShardThreadBytes(int shards) : ShardCommand
{
    /// <summary>The counter of each shard's thread, by shard index.</summary>
    public long[] Bytes { get; } = new long[shards];

    /// <inheritdoc />
    public override void Execute(ShardHandler shard) => Bytes[shard.Index] = AllocationGate.ThreadBytes();
}
