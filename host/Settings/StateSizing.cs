using Attribution.Engine.Pipeline;

namespace Attribution.Host.Settings;

/// <summary>
/// How much state each shard may hold in memory and how it is indexed and swept (<c>memory_mb</c>, <c>index_buckets</c>,
/// <c>expire_every</c>): the same settings for <c>run</c> and <c>replay</c>. Null = the engine's default.
/// </summary>
public sealed record StateSizing(int? MemoryMiB = null, long? IndexBuckets = null, long? ExpireEveryEvents = null)
{
    /// <summary>Reads the three settings.</summary>
    internal static StateSizing Read(SettingReader settings) => new(
        settings.OptionalInteger("memory_mb") is { } memory ? (int)memory : null,
        settings.OptionalInteger("index_buckets"),
        settings.OptionalInteger("expire_every"));

    /// <summary><paramref name="options"/> with the values set here (both tables get <see cref="MemoryMiB"/>).</summary>
    public EngineOptions ApplyTo(EngineOptions options) => options with
    {
        ClickMemoryBytes = MemoryMiB is { } m ? (long)m << 20 : options.ClickMemoryBytes,
        ConversionMemoryBytes = MemoryMiB is { } c ? (long)c << 20 : options.ConversionMemoryBytes,
        IndexBuckets = IndexBuckets ?? options.IndexBuckets,
        ExpireEveryEvents = ExpireEveryEvents ?? options.ExpireEveryEvents,
    };
}
