namespace Attribution.Engine.Pipeline;

/// <summary>Where one encoded attribution sits in an <see cref="OutputBatch"/>, and where it came from.</summary>
public struct OutputEntry
{
    /// <summary>The input partition of the conversion.</summary>
    public int Partition;
    /// <summary>The conversion's source position (Kafka offset, line number).</summary>
    public long Position;
    /// <summary>Offset of the output key (the user_id) in the batch key buffer.</summary>
    public int KeyOffset;
    /// <summary>Length of the key.</summary>
    public int KeyLength;
    /// <summary>Offset of the encoded attribution.</summary>
    public int ValueOffset;
    /// <summary>Length of the encoded attribution (without the line feed of JSON lines).</summary>
    public int ValueLength;
    /// <summary>When the conversion entered the engine (Stopwatch ticks, as soon as <c>Submit</c> decoded it), for latency.</summary>
    public long IngestTicks;
}
