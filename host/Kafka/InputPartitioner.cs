namespace Attribution.Host.Kafka;

/// <summary>
/// The default partitioner of the producers writing the input topic, i.e. the function whose choice tells whether a
/// record sits in the partition its key maps to.
/// </summary>
public enum InputPartitioner
{
    /// <summary>
    /// Kafka's Java default (<c>toPositive(murmur2(key)) % partitions</c>), also librdkafka's <c>murmur2_random</c>
    /// (the default of the Java-compatible clients and of our demo and bench producers).
    /// </summary>
    Murmur2,

    /// <summary>librdkafka's own default, <c>consistent_random</c>: <c>crc32(key) % partitions</c>.</summary>
    Consistent,
}
