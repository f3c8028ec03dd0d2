using Attribution.Host.Cli;

namespace Attribution.Host.Kafka;

/// <summary>
/// The operator's librdkafka properties split per client, as Kafka Streams users write them: an unprefixed
/// property goes to every client that takes it, <c>consumer.</c>/<c>producer.</c>/<c>admin.</c> ones to that
/// client only, and a prefixed property wins over the shared one. Both win over the host's tuning defaults;
/// the properties exactly-once and the group depend on are the host's and cannot be set at all.
/// </summary>
public static class KafkaClientProperties
{
    /// <summary>The per-client prefixes, by client.</summary>
    public static readonly IReadOnlyDictionary<KafkaClientKind, string> Prefixes = new Dictionary<KafkaClientKind, string>
    {
        [KafkaClientKind.Consumer] = "consumer.",
        [KafkaClientKind.Producer] = "producer.",
        [KafkaClientKind.Admin] = "admin.",
    };

    /// <summary>Properties the host sets itself (overriding them would break exactly-once or the group), with why.</summary>
    public static readonly IReadOnlyDictionary<string, string> HostOwned = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bootstrap.servers"] = "use bootstrap-servers instead",
        ["group.id"] = "use group instead",
        ["transactional.id"] = "it is derived from group and host-id",
        ["transaction.timeout.ms"] = "use transaction-timeout instead",
        ["enable.auto.commit"] = "offsets commit inside the output transactions",
        ["enable.auto.offset.store"] = "offsets commit inside the output transactions",
        ["isolation.level"] = "the host reads read_committed",
        ["enable.idempotence"] = "the transactional producer needs it",
        ["acks"] = "the transactional producer needs acks=all",
        ["request.required.acks"] = "the transactional producer needs acks=all",
        ["enable.partition.eof"] = "the host manages it",
    };

    // Consumer properties that would only make librdkafka warn on a producer or admin client.
    private static readonly HashSet<string> ConsumerOnly = new(StringComparer.Ordinal)
    {
        "session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy", "auto.offset.reset",
        "max.poll.interval.ms", "fetch.wait.max.ms", "fetch.min.bytes", "fetch.max.bytes", "max.partition.fetch.bytes",
        "queued.min.messages", "queued.max.messages.kbytes", "fetch.queue.backoff.ms", "group.instance.id", "group.protocol", "check.crcs",
    };

    // Producer properties that would only make librdkafka warn on a consumer.
    private static readonly HashSet<string> ProducerOnly = new(StringComparer.Ordinal)
    {
        "linger.ms", "queue.buffering.max.ms", "compression.type", "compression.codec", "compression.level", "batch.size",
        "batch.num.messages", "queue.buffering.max.messages", "queue.buffering.max.kbytes", "message.send.max.retries",
        "retries", "delivery.timeout.ms", "message.timeout.ms", "partitioner", "sticky.partitioning.linger.ms",
    };

    /// <summary>The property a key sets, without its client prefix, and the client it is for (null: every client).</summary>
    public static (string Property, KafkaClientKind? Client) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (client, prefix) in Prefixes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length)
            {
                return (key[prefix.Length..], client);
            }
        }
        return (key, null);
    }

    /// <summary>Refuses a host-owned property, shared or prefixed, with one sentence.</summary>
    /// <exception cref="UsageException">A key sets a property the host owns.</exception>
    public static void CheckNotHostOwned(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            if (HostOwned.TryGetValue(Parse(key).Property, out var why))
            {
                throw new UsageException($"The Kafka property '{key}' cannot be overridden: {why}.");
            }
        }
    }

    /// <summary>
    /// The properties of one client: the shared ones it takes (a consumer-only property does not reach the producer),
    /// then its prefixed ones, which win.
    /// </summary>
    public static Dictionary<string, string> For(IReadOnlyDictionary<string, string> properties, KafkaClientKind client)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            var (property, forClient) = Parse(key);
            if (forClient == client)
            {
                own[property] = value;
            }
            else if (forClient is null && Takes(client, property))
            {
                shared[property] = value;
            }
        }
        foreach (var (property, value) in own)
        {
            shared[property] = value;
        }
        return shared;
    }

    /// <summary>
    /// The client.id of a client: the operator's per-client <c>consumer.client.id</c> (etc.) as given; else the shared
    /// <c>client.id</c> with the client's role appended (<c>team-attrib-consumer</c>), so each client stays
    /// distinguishable in broker logs and quotas; else <paramref name="fallback"/>.
    /// </summary>
    public static string ClientId(IReadOnlyDictionary<string, string> properties, KafkaClientKind client, string role, string fallback)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (properties.TryGetValue(Prefixes[client] + "client.id", out var own))
        {
            return own;
        }
        return properties.TryGetValue("client.id", out var shared) ? $"{shared}-{role}" : fallback;
    }

    private static bool Takes(KafkaClientKind client, string property) => client switch
    {
        KafkaClientKind.Consumer => !ProducerOnly.Contains(property),
        _ => !ConsumerOnly.Contains(property),
    };
}
