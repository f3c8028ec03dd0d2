namespace Attribution.Host.Kafka;

/// <summary>
/// librdkafka consumer settings the host chooses where librdkafka's own default measured wrong for a stream
/// processor draining a backlog; each yields to the operator's <c>--kafka key=value</c>. The measurements that
/// chose them are in docs/CONFIGURATION.md ("Kafka consumer defaults").
/// </summary>
public static class ConsumerDefaults
{
    /// <summary>The settings, by librdkafka property name.</summary>
    public static IReadOnlyDictionary<string, string> Properties { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // librdkafka's 1000 ms stalls the fetcher for a whole second each time its queue passes queued.min.messages.
        ["fetch.queue.backoff.ms"] = "10",
        // The fetched-but-unread queue (one queue for all partitions of the group consumer): capped by memory.
        ["queued.max.messages.kbytes"] = QueueKilobytes(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The prefetch queue's bound in KiB for a process that may use <paramref name="availableBytes"/>: 1/64 of it
    /// (a container of 1 GiB queues 16 MiB), at least 4 MiB and at most librdkafka's own 64 MiB.
    /// </summary>
    public static long QueueKilobytes(long availableBytes) => Math.Clamp(availableBytes / 64 / 1024, 4096, 65536);

    /// <summary>Adds each default that <paramref name="properties"/> does not set already.</summary>
    public static Dictionary<string, string> With(Dictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        foreach (var (k, v) in Properties)
        {
            properties.TryAdd(k, v);
        }
        return properties;
    }
}
