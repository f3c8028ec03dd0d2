namespace Attribution.Engine.Snapshots;

/// <summary>
/// The FASTER layout of the tables in a snapshot. It does not change results, but FASTER reads
/// its checkpoints back only with the page and segment sizes they were written with, so recovery
/// reopens the tables with these values whatever the options say.
/// </summary>
public sealed record SnapshotStorage
{
    /// <summary>Hash index buckets of each click table.</summary>
    public long IndexBuckets { get; init; }

    /// <summary>Hash index buckets of each conversion-id table.</summary>
    public long ConversionIndexBuckets { get; init; }

    /// <summary>In-memory log budget of each click table.</summary>
    public long ClickMemoryBytes { get; init; }

    /// <summary>In-memory log budget of each conversion-id table.</summary>
    public long ConversionMemoryBytes { get; init; }
}
