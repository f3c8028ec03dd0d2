namespace Attribution.Host.Run;

/// <summary>The partition counts the host works with, read from the cluster at start.</summary>
/// <param name="InputPartitions">Partitions of the input topic (what "keyed by user id" is judged against).</param>
/// <param name="StatePartitions">Partitions of the topic the engine's state partitions follow (the repartition topic when re-keying, else the input).</param>
internal sealed record TopicLayout(int InputPartitions, int StatePartitions);
