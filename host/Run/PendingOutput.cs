namespace Attribution.Host.Run;

/// <summary>Where one attribution waiting for its transaction sits in a <see cref="PendingOutputs"/> buffer.</summary>
internal struct PendingOutput
{
    /// <summary>Input partition of the conversion.</summary>
    public int Partition;
    /// <summary>Input offset of the conversion.</summary>
    public long Offset;
    /// <summary>Start of the key (user_id) in the buffer's bytes.</summary>
    public int KeyStart;
    /// <summary>Key length.</summary>
    public int KeyLength;
    /// <summary>Start of the encoded attribution.</summary>
    public int ValueStart;
    /// <summary>Value length.</summary>
    public int ValueLength;

    /// <summary>A re-keyed input record's partition in the repartition topic (-1 for an output).</summary>
    public int Target;

    /// <summary>A re-keyed input record's Kafka timestamp (ms), kept on the repartition topic.</summary>
    public long Timestamp;
}
