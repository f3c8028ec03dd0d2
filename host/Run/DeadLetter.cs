namespace Attribution.Host.Run;

/// <summary>A rejected input record on its way to the dead-letter topic (rare, so a plain object).</summary>
/// <param name="Partition">Input partition.</param>
/// <param name="Offset">Input offset.</param>
/// <param name="Reason">Why it was rejected (snake_case reason name).</param>
/// <param name="Key">The record's key, as read.</param>
/// <param name="Value">The record's value, as read (null for a tombstone).</param>
/// <param name="OriginalValueBytes">The value's length in the input (more than <see cref="Value"/>'s when it was cut to <see cref="MaxBytes"/>).</param>
internal sealed record DeadLetter(int Partition, long Offset, string Reason, byte[]? Key, byte[]? Value, int OriginalValueBytes)
{
    /// <summary>The input field the reason is about (wire name), or null when it concerns the whole record.</summary>
    public string? Field { get; init; }

    /// <summary>The topic the record was read from (header source-topic); null: the engine's state topic.</summary>
    public string? Topic { get; init; }

    /// <summary>For a record read from the repartition topic: the input partition and offset it was copied from (-1: none).</summary>
    public (int Partition, long Offset) Input { get; init; } = (-1, -1);

    /// <summary>
    /// Most bytes of an input key or value a dead letter carries: a record larger than a Kafka message may be
    /// (1,000,000 bytes by default) got into the input under other limits, and its letter must still fit,
    /// or its transaction would abort forever. A cut letter has the header original-value-bytes; the whole
    /// record stays in the input topic at the letter's source offset.
    /// </summary>
    public const int MaxBytes = 512 * 1024;

    /// <summary>A letter for an input record, cutting key and value to <see cref="MaxBytes"/>.</summary>
    public static DeadLetter Of(int partition, long offset, string reason, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull)
        => new(partition, offset, reason,
            keyIsNull ? null : key[..Math.Min(key.Length, MaxBytes)].ToArray(),
            valueIsNull ? null : value[..Math.Min(value.Length, MaxBytes)].ToArray(),
            value.Length);

    /// <summary>Whether the value was cut.</summary>
    public bool Truncated => Value is not null && OriginalValueBytes > Value.Length;
}
