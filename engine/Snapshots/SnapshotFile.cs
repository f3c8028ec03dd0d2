using System.Text.Json.Serialization;

namespace Attribution.Engine.Snapshots;

/// <summary>One file of a snapshot.</summary>
public sealed record SnapshotFile
{
    /// <summary>Path relative to the state directory, with '/' separators.</summary>
    public required string Path { get; init; }

    /// <summary>Bytes that belong to the snapshot, from the start of the file.</summary>
    public long Length { get; init; }

    /// <summary>
    /// True when only the first <see cref="Length"/> bytes belong to the snapshot (a log segment the
    /// engine keeps appending to); false when the file must be exactly <see cref="Length"/> bytes.
    /// </summary>
    public bool Prefix { get; init; }

    /// <summary>XxHash64 (seed 0) of those bytes, 16 lower-case hex digits.</summary>
    [JsonPropertyName("xxhash64")]
    public required string XxHash64 { get; init; }
}
