using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Cli;

namespace Attribution.Host.Replay;

/// <summary>Validated settings of the replay command.</summary>
public sealed record ReplayOptions
{
    /// <summary>Flags that take a value.</summary>
    public static readonly string[] ValueFlags =
        ["--input", "--output", "--dead-letter", "--window-hours", "--allowed-lateness", "--partitions", "--max-record-bytes", "--shards"];

    /// <summary>Flags without a value.</summary>
    public static readonly string[] Switches = ["--quiet", "--help"];

    /// <summary>Input path, or null for stdin.</summary>
    public string? InputPath { get; init; }
    /// <summary>Output path, or null for stdout.</summary>
    public string? OutputPath { get; init; }
    /// <summary>Dead-letter path, or null for none (rejected records are still counted).</summary>
    public string? DeadLetterPath { get; init; }
    /// <summary>Do not print the summary.</summary>
    public bool Quiet { get; init; }
    /// <summary>Attribution settings.</summary>
    public required AttributionConfig Config { get; init; }

    /// <summary>Shard threads.</summary>
    public int Shards { get; init; } = Engine.Pipeline.EngineOptions.DefaultShards;

    /// <summary>The engine settings of this run.</summary>
    public EngineOptions EngineOptions() => new()
    {
        Attribution = Config,
        Shards = Shards,
        Wait = WaitKind.Blocking,
    };

    /// <summary>Parses and validates the command line; throws <see cref="UsageException"/> with one sentence.</summary>
    public static ReplayOptions Parse(CommandLine cl)
    {
        var defaults = new AttributionConfig();
        var config = new AttributionConfig
        {
            WindowMs = cl.GetHoursAsMs("--window-hours", defaults.WindowMs),
            AllowedLatenessMs = cl.GetDurationMs("--allowed-lateness", defaults.AllowedLatenessMs),
            Partitions = cl.GetInt("--partitions", defaults.Partitions, 1, 65535),
            MaxRecordBytes = cl.GetInt("--max-record-bytes", defaults.MaxRecordBytes, 256, 16 * 1024 * 1024),
        };
        if (config.Validate() is { } error)
        {
            throw new UsageException(error);
        }
        return new ReplayOptions
        {
            InputPath = cl.Get("--input") is "-" ? null : cl.Get("--input"),
            OutputPath = cl.Get("--output") is "-" ? null : cl.Get("--output"),
            DeadLetterPath = cl.Get("--dead-letter"),
            Quiet = cl.Has("--quiet"),
            Shards = cl.GetInt("--shards", Engine.Pipeline.EngineOptions.DefaultShards, 1, 256),
            Config = config,
        };
    }
}
