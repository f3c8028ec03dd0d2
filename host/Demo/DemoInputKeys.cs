namespace Attribution.Host.Demo;

/// <summary>How the demo's generator keys and partitions the records it produces to raw-events.</summary>
public enum DemoInputKeys
{
    /// <summary>Key = user_id, murmur2 partitioner: keyed by user id, as upstream Java producers do.</summary>
    User,

    /// <summary>Key = a session id that is not the user id: one user's events spread over partitions.</summary>
    Session,

    /// <summary>No key: librdkafka spreads the records over partitions.</summary>
    Null,

    /// <summary>No key, partition = the event's index mod the partition count.</summary>
    RoundRobin,
}
