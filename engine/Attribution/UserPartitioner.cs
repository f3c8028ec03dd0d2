using System.IO.Hashing;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Maps a user id to a state partition where no Kafka partition exists (replay, C ABI).
/// XXH3-64 with seed 0 is a published, platform-independent function, so the mapping is the
/// same on every run and machine; state and snapshots depend on that.
/// </summary>
internal static class UserPartitioner
{
    /// <summary>Returns <c>XXH3_64(userId) mod partitions</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is not positive.</exception>
    public static int Partition(ReadOnlySpan<byte> userId, int partitions)
    {
        if (partitions <= 0)
        {
            AttributionThrowHelper.ThrowPartitionCount(partitions);
        }
        return (int)(XxHash3.HashToUInt64(userId) % (ulong)partitions);
    }
}
