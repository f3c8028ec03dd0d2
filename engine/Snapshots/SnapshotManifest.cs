using System.Text.Json.Serialization;

namespace Attribution.Engine.Snapshots;

/// <summary>
/// What a snapshot is: written last (after every file it lists is durable), so a manifest that
/// exists and verifies describes a complete snapshot. Serialized as JSON by
/// <see cref="SnapshotManifestJsonContext"/>; <see cref="SnapshotStore"/> reads, verifies and writes it.
/// </summary>
public sealed class SnapshotManifest
{
    /// <summary>The format this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Format of this manifest (<see cref="CurrentFormatVersion"/>).</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The snapshot's id: its sequence number in the state directory (1, 2, …; newer is larger).</summary>
    public long Sequence { get; init; }

    /// <summary>When the snapshot was taken (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The settings that determine results; recovery refuses a snapshot taken with others.</summary>
    public required SnapshotConfig Config { get; init; }

    /// <summary>FASTER layout the checkpoints were written with (recovery reopens the tables with it).</summary>
    public required SnapshotStorage Storage { get; init; }

    /// <summary>
    /// Position of the last record submitted before the cut, of any partition, accepted or rejected
    /// (-1 = none). For one ordered input (a file, positions = line numbers) resume right after it;
    /// with several inputs (Kafka partitions) use <see cref="Partitions"/>.
    /// </summary>
    public long LastSubmittedPosition { get; init; } = -1;

    /// <summary>Per input partition that had seen an event: the position up to which state is included, and its watermark.</summary>
    public List<PartitionCut> Partitions { get; init; } = [];

    /// <summary>Per shard, the FASTER checkpoint tokens of its two tables.</summary>
    public List<ShardCheckpoints> Shards { get; init; } = [];

    /// <summary>Every file the snapshot consists of, with length and checksum.</summary>
    public List<SnapshotFile> Files { get; init; } = [];

    /// <summary>
    /// XxHash64 of this manifest serialized with this property null (set by <see cref="SnapshotStore"/>),
    /// so that a damaged manifest is detected rather than trusted: its positions decide what is replayed.
    /// </summary>
    [JsonPropertyName("manifest_xxhash64")]
    public string? ManifestXxHash64 { get; set; }

    /// <summary>The caller's own entries (e.g. the output file's length at the cut); opaque to the engine.</summary>
    public Dictionary<string, string> Extras { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The position up to which partition <paramref name="partition"/>'s input is included, or -1 when it had seen none.</summary>
    public long PositionOf(int partition)
    {
        foreach (var p in Partitions)
        {
            if (p.Partition == partition)
            {
                return p.Position;
            }
        }
        return -1;
    }
}
