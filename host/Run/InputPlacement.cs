using Attribution.Engine.Pipeline;
using Attribution.Host.Kafka;

namespace Attribution.Host.Run;

/// <summary>The input partition the upstream producers' partitioner gives a user id (for <see cref="InputKeying.Trust"/> and <see cref="InputKeying.Reject"/>).</summary>
internal sealed class InputPlacement(InputPartitioner partitioner, int partitions) : IUserPlacement
{
    /// <inheritdoc/>
    public int PartitionOf(ReadOnlySpan<byte> userId) => KafkaPartitioner.Partition(partitioner, userId, partitions);
}
