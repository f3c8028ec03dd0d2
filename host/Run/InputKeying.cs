namespace Attribution.Host.Run;

/// <summary>
/// What the host does with an input record whose Kafka partition is not the one its user id maps to under the
/// upstream producers' partitioner (a "mis-keyed" record). State is per user only when every event of a user
/// reaches the same state partition, so the choice decides whether the output depends on the input's keying.
/// </summary>
public enum InputKeying
{
    /// <summary>
    /// Every input record is re-keyed by user id into the repartition topic inside the transaction that consumes
    /// it, and the engine's state partitions are that topic's partitions (Kafka Streams' repartition topic): the
    /// output does not depend on how the input was keyed. The default.
    /// </summary>
    Rekey,

    /// <summary>The input partition is the state partition (for inputs known to be keyed by user id); mis-keyed records are counted and processed where they are.</summary>
    Trust,

    /// <summary>As <see cref="Trust"/>, but mis-keyed records are not processed: they go to the dead letters with reason <c>mis_keyed</c>.</summary>
    Reject,
}
