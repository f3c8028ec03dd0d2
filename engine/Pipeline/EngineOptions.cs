using Attribution.Engine.Attribution;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

/// <summary>Settings of an <see cref="AttributionEngine"/>. <see cref="Validate"/> explains what is wrong in one sentence.</summary>
public sealed record EngineOptions
{
    /// <summary>Attribution rules (window, lateness, partitions P, history).</summary>
    public AttributionConfig Attribution { get; init; } = new();

    /// <summary>
    /// Shard threads N; partition p belongs to shard p mod N. Default: cores − 1 (at least 1), because
    /// the source thread decoding into the ring needs a core of its own: on 2 cores, 2 shards plus the
    /// source measured slower than 1 shard (bench/RESULTS.md, engine suite).
    /// </summary>
    public int Shards { get; init; } = DefaultShards;

    /// <summary>The default shard count for this machine.</summary>
    public static int DefaultShards => Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Bounds of <see cref="Shards"/>.</summary>
    public static readonly SettingRange ShardsRange = new(1, 256);

    /// <summary>Bounds of <see cref="RingSize"/> (also a power of two).</summary>
    public static readonly SettingRange RingSizeRange = new(2, 1 << 22);

    /// <summary>Bounds of each state table's memory budget in bytes (1 MiB to 1 TiB).</summary>
    public static readonly SettingRange MemoryBytesRange = new(1L << 20, 1L << 40);

    /// <summary>Bounds of <see cref="IndexBuckets"/> (also a power of two).</summary>
    public static readonly SettingRange IndexBucketsRange = new(64, 1L << 30);

    /// <summary>Bounds of <see cref="SnapshotsToKeep"/>.</summary>
    public static readonly SettingRange SnapshotsToKeepRange = new(1, 1000);

    /// <summary>Ring slots (a power of two). Default 8192.</summary>
    public int RingSize { get; init; } = 8192;

    /// <summary>Whether several threads submit at once (multi-producer ring).</summary>
    public bool MultiProducer { get; init; }

    /// <summary>How idle shards wait.</summary>
    public WaitKind Wait { get; init; } = WaitKind.Yielding;

    /// <summary>Directory of the FASTER state files; null = a private temporary directory removed on dispose.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// In-memory budget of each shard's click table in bytes (older records spill to disk), allocated when the engine
    /// opens so no event waits for a new log page. Default 64 MiB.
    /// </summary>
    public long ClickMemoryBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>In-memory budget of each shard's conversion-id table in bytes, allocated when the engine opens. Default 16 MiB.</summary>
    public long ConversionMemoryBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>FASTER hash index buckets per shard table (power of two, 64 bytes each). Default 2^16.</summary>
    public long IndexBuckets { get; init; } = 1L << 16;

    /// <summary>
    /// Hash index buckets of each shard's conversion-id table; null = <see cref="IndexBuckets"/>.
    /// Conversions are usually far fewer than clicks, and every snapshot writes the whole index.
    /// </summary>
    public long? ConversionIndexBuckets { get; init; }

    /// <summary>Output encoding.</summary>
    public WireFormat OutputFormat { get; init; } = WireFormat.Json;

    /// <summary>A shard sweeps expired state after at least this many events and a quarter of window + lateness of event time. Default 250,000.</summary>
    public long ExpireEveryEvents { get; init; } = 250_000;

    /// <summary>Snapshots kept in the state directory (older ones and their files are deleted). Default 3.</summary>
    public int SnapshotsToKeep { get; init; } = 3;

    /// <summary>Take a snapshot after this many submitted records (0 = not by count). Started by the submitting thread.</summary>
    public long SnapshotEveryEvents { get; init; }

    /// <summary>
    /// Take a snapshot when this much time passed since the last one (zero = not by time). Checked
    /// by the submitting thread every 1,024 records, or by <see cref="AttributionEngine.SnapshotIfDue"/> when idle.
    /// </summary>
    public TimeSpan SnapshotInterval { get; init; }

    /// <summary>What a failed snapshot does to the engine (the previous snapshot is kept either way).</summary>
    public SnapshotFailurePolicy OnSnapshotFailure { get; init; } = SnapshotFailurePolicy.Continue;

    /// <summary>Longest wait for one step of a snapshot (the shards reaching the cut, a checkpoint becoming durable). Default 10 min.</summary>
    public TimeSpan SnapshotTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Called once per snapshot at its cut, while every shard is stopped there and after each has
    /// delivered the outputs of all events before it (and none after): add entries for the
    /// manifest's extras, e.g. the output file's length. Runs on a shard thread and is part of the
    /// processing pause, so keep it short; when null the shards do not wait for each other.
    /// </summary>
    public Action<IDictionary<string, string>>? CaptureSnapshotExtras { get; init; }

    /// <summary>
    /// Called once per snapshot on the thread completing it, after its state files are durable and
    /// just before its manifest is written, with the snapshot's sequence and extras: make durable
    /// whatever the extras describe (e.g. fsync the output file whose length they record), so that no
    /// manifest ever points past what a power loss keeps. Throw <see cref="IOException"/> to fail the snapshot.
    /// </summary>
    public Action<long, IReadOnlyDictionary<string, string>>? BeforeSnapshotManifest { get; init; }

    /// <summary>Receives one line per notable event (snapshot recovered, skipped as bad, failed, deleted).</summary>
    public Action<string>? Logger { get; init; }

    /// <summary>Returns null when valid, else one sentence.</summary>
    public string? Validate()
    {
        if (Attribution.Validate() is { } a)
        {
            return a;
        }
        if (!ShardsRange.Contains(Shards))
        {
            return $"The shard count must be between {ShardsRange.Min} and {ShardsRange.Max}, but it is {Shards}.";
        }
        if (!RingSizeRange.Contains(RingSize) || (RingSize & (RingSize - 1)) != 0)
        {
            return $"The ring size must be a power of two between {RingSizeRange.Min} and {RingSizeRange.Max}, but it is {RingSize}.";
        }
        if (ClickMemoryBytes < MemoryBytesRange.Min || ConversionMemoryBytes < MemoryBytesRange.Min)
        {
            return "Each shard's state memory budget must be at least 1 MiB.";
        }
        if (ClickMemoryBytes > MemoryBytesRange.Max || ConversionMemoryBytes > MemoryBytesRange.Max)
        {
            return "Each shard's state memory budget must be at most 1 TiB.";
        }
        if (!IndexBucketsRange.Contains(IndexBuckets) || (IndexBuckets & (IndexBuckets - 1)) != 0)
        {
            return $"The index bucket count must be a power of two between {IndexBucketsRange.Min} and {IndexBucketsRange.Max}, but it is {IndexBuckets}.";
        }
        if (ConversionIndexBuckets is { } c && (!IndexBucketsRange.Contains(c) || (c & (c - 1)) != 0))
        {
            return $"The conversion index bucket count must be a power of two between {IndexBucketsRange.Min} and {IndexBucketsRange.Max}, but it is {c}.";
        }
        if (ExpireEveryEvents < 1)
        {
            return "The expiry cadence must be at least one event.";
        }
        if (!SnapshotsToKeepRange.Contains(SnapshotsToKeep))
        {
            return $"Between {SnapshotsToKeepRange.Min} and {SnapshotsToKeepRange.Max} snapshots must be kept, but SnapshotsToKeep is {SnapshotsToKeep}.";
        }
        if (SnapshotEveryEvents < 0 || SnapshotInterval < TimeSpan.Zero)
        {
            return "The snapshot cadence (events, interval) must not be negative.";
        }
        if (SnapshotTimeout <= TimeSpan.Zero)
        {
            return "The snapshot timeout must be positive.";
        }
        return null;
    }

    /// <summary>The settings a snapshot records because state built under other values would give other results.</summary>
    internal SnapshotConfig ToSnapshotConfig()
    {
        AttributionConfig a = Attribution;
        return new SnapshotConfig
        {
            WindowMs = a.WindowMs,
            AllowedLatenessMs = a.AllowedLatenessMs,
            ConversionRetentionMs = a.EffectiveConversionRetentionMs,
            Partitions = a.Partitions,
            ClickHistory = a.ClickHistory,
            MaxClockSkewMs = a.EffectiveMaxClockSkewMs,
            ClockConfirmations = a.ClockConfirmations,
            Shards = Shards,
        };
    }

    /// <summary>The FASTER layout these options give the state tables (recorded in a snapshot, which must be read back with it).</summary>
    internal SnapshotStorage ToSnapshotStorage() => new()
    {
        IndexBuckets = IndexBuckets,
        ConversionIndexBuckets = ConversionIndexBuckets ?? IndexBuckets,
        ClickMemoryBytes = ClickMemoryBytes,
        ConversionMemoryBytes = ConversionMemoryBytes,
    };
}
