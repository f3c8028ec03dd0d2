namespace Attribution.Host.Kafka;

/// <summary>The partitioner an upstream producer keys the input with.</summary>
public enum InputPartitioner
{
    /// <summary>Java Kafka's default (librdkafka's <c>murmur2_random</c>).</summary>
    Murmur2,

    /// <summary>librdkafka's default, <c>consistent_random</c> (CRC32).</summary>
    Consistent,
}

/// <summary>Placeholder (replaced by the keying branch).</summary>
public static class KafkaPartitioner
{
    /// <summary>Java Kafka's default partition of a non-null key.</summary>
    public static int Murmur2(ReadOnlySpan<byte> key, int partitions)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        uint h = 0x9747b28c ^ (uint)key.Length;
        int length4 = key.Length / 4;
        for (int i = 0; i < length4; i++)
        {
            int i4 = i * 4;
            uint k = (uint)(key[i4] | key[i4 + 1] << 8 | key[i4 + 2] << 16 | key[i4 + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int rest = key.Length % 4;
        int tail = key.Length & ~3;
        if (rest == 3) { h ^= (uint)key[tail + 2] << 16; }
        if (rest >= 2) { h ^= (uint)key[tail + 1] << 8; }
        if (rest >= 1) { h ^= key[tail]; h *= m; }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)((h & 0x7fffffff) % (uint)partitions);
    }

    /// <summary>librdkafka's consistent partition of a non-empty key.</summary>
    public static int Crc32Consistent(ReadOnlySpan<byte> key, int partitions)
        => (int)(System.IO.Hashing.Crc32.HashToUInt32(key) % (uint)partitions);

    /// <summary>The partition <paramref name="partitioner"/> picks.</summary>
    public static int Partition(InputPartitioner partitioner, ReadOnlySpan<byte> key, int partitions)
        => partitioner == InputPartitioner.Murmur2 ? Murmur2(key, partitions) : Crc32Consistent(key, partitions);
}
