namespace Attribution.Host.Kafka;

/// <summary>The host's kinds of Kafka client, each with its own property prefix (<c>consumer.</c>, <c>producer.</c>, <c>admin.</c>).</summary>
public enum KafkaClientKind
{
    /// <summary>The group consumer of the input (and the short-lived recovery readers).</summary>
    Consumer,

    /// <summary>The transactional producer.</summary>
    Producer,

    /// <summary>The admin client of the start-up checks and topic metadata.</summary>
    Admin,
}
