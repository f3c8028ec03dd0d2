using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace Attribution.Host.Kafka;

/// <summary>
/// The partition a Kafka producer's default partitioner picks for a non-empty key, so the host can tell, per record,
/// whether the input topic is keyed the way it expects. Hand-written because no client library exposes the choice:
/// Confluent.Kafka computes it inside librdkafka per produce call, and we must predict it per consumed record
/// without allocating. Both functions are pure and allocation-free.
/// </summary>
public static class KafkaPartitioner
{
    // Kafka's murmur2 (MurmurHash2, 32-bit, with Kafka's fixed seed); the constants are the algorithm's.
    private const uint Seed = 0x9747b28c;
    private const uint M = 0x5bd1e995;
    private const int R = 24;

    /// <summary>
    /// Java Kafka's <c>Utils.toPositive(Utils.murmur2(key)) % partitions</c> (the default partitioner for a keyed
    /// record), which is also librdkafka's <c>murmur2_random</c> for a non-empty key.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is not positive.</exception>
    public static int Murmur2(ReadOnlySpan<byte> key, int partitions)
    {
        CheckPartitions(partitions);
        // toPositive clears the sign bit (not Math.Abs), so int.MinValue maps to 0 as in Java.
        return (int)((Murmur2Hash(key) & 0x7fffffff) % (uint)partitions);
    }

    /// <summary>
    /// librdkafka's default partitioner <c>consistent_random</c> for a non-empty key: <c>crc32(key) % partitions</c>,
    /// with the CRC-32 of zlib and Ethernet (the reflected IEEE polynomial).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is not positive.</exception>
    public static int Crc32Consistent(ReadOnlySpan<byte> key, int partitions)
    {
        CheckPartitions(partitions);
        return (int)(Crc32.HashToUInt32(key) % (uint)partitions);
    }

    /// <summary>The partition <paramref name="partitioner"/> picks for <paramref name="key"/> among <paramref name="partitions"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is not positive, or <paramref name="partitioner"/> is unknown.</exception>
    public static int Partition(InputPartitioner partitioner, ReadOnlySpan<byte> key, int partitions) => partitioner switch
    {
        InputPartitioner.Murmur2 => Murmur2(key, partitions),
        InputPartitioner.Consistent => Crc32Consistent(key, partitions),
        _ => throw new ArgumentOutOfRangeException(nameof(partitioner), partitioner, "Unknown input partitioner."),
    };

    /// <summary>Kafka's <c>Utils.murmur2</c> as an unsigned value (Java returns the same 32 bits as an <c>int</c>).</summary>
    public static uint Murmur2Hash(ReadOnlySpan<byte> key)
    {
        uint h = Seed ^ (uint)key.Length;
        int whole = key.Length & ~3;
        for (int i = 0; i < whole; i += 4)
        {
            // Java reads each 4-byte block little-endian, whatever the machine.
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(i, 4));
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = key.Length - whole;
        if (tail > 0)
        {
            if (tail == 3)
            {
                h ^= (uint)key[whole + 2] << 16;
            }
            if (tail >= 2)
            {
                h ^= (uint)key[whole + 1] << 8;
            }
            h ^= key[whole];
            h *= M;
        }
        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckPartitions(int partitions)
    {
        if (partitions <= 0)
        {
            ThrowPartitions(partitions);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowPartitions(int partitions) =>
        throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "A topic has at least one partition.");
}
