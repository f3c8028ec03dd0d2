namespace Attribution.Host.Run;

/// <summary>A rejected input record on its way to the dead-letter topic (rare, so a plain object).</summary>
/// <param name="Partition">Input partition.</param>
/// <param name="Offset">Input offset.</param>
/// <param name="Reason">Why it was rejected (snake_case reason name).</param>
/// <param name="Key">The record's key, as read.</param>
/// <param name="Value">The record's value, as read (null for a tombstone).</param>
internal sealed record DeadLetter(int Partition, long Offset, string Reason, byte[]? Key, byte[]? Value);
