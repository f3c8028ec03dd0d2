using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Cli;

namespace Attribution.Host.Replay;

/// <summary>Validated settings of the replay command.</summary>
public sealed record ReplayOptions
{
    /// <summary>Flags that take a value.</summary>
    public static readonly string[] ValueFlags =
        ["--input", "--output", "--dead-letter", "--window-hours", "--allowed-lateness", "--partitions", "--max-record-bytes", "--shards", "--state-dir", "--snapshot-every", "--snapshots-to-keep", "--conversion-retention", "--click-history", "--max-clock-skew", "--clock-confirmations", "--memory-mb", "--expire-every"];

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

    /// <summary>State directory for snapshots and resume, or null for a run without snapshots.</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Take a snapshot every this many input lines (0 = only at the end of the run).</summary>
    public long SnapshotEveryLines { get; init; }

    /// <summary>Snapshots kept.</summary>
    public int SnapshotsToKeep { get; init; } = 3;

    /// <summary>Shard threads.</summary>
    public int Shards { get; init; } = Engine.Pipeline.EngineOptions.DefaultShards;

    /// <summary>In-memory budget of each state table (clicks, conversion ids) of every shard, in MiB; null = the engine's defaults.</summary>
    public int? MemoryMiB { get; init; }

    /// <summary>A shard sweeps expired state after at least this many events; null = the engine's default.</summary>
    public long? ExpireEveryEvents { get; init; }

    /// <summary>The engine settings of this run.</summary>
    public EngineOptions EngineOptions()
    {
        var defaults = new EngineOptions();
        return new()
        {
            Attribution = Config,
            Shards = Shards,
            Wait = WaitKind.Blocking,
            StateDirectory = StateDirectory,
            SnapshotsToKeep = SnapshotsToKeep,
            ClickMemoryBytes = MemoryMiB is { } m ? (long)m << 20 : defaults.ClickMemoryBytes,
            ConversionMemoryBytes = MemoryMiB is { } c ? (long)c << 20 : defaults.ConversionMemoryBytes,
            ExpireEveryEvents = ExpireEveryEvents ?? defaults.ExpireEveryEvents,
        };
    }

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
            ConversionRetentionMs = cl.Has("--conversion-retention") ? cl.GetDurationMs("--conversion-retention", 0) : null,
            ClickHistory = cl.GetInt("--click-history", defaults.ClickHistory, 1, 4),
            MaxClockSkewMs = cl.Has("--max-clock-skew") ? cl.GetDurationMs("--max-clock-skew", 0) : null,
            ClockConfirmations = cl.GetInt("--clock-confirmations", defaults.ClockConfirmations, 1, AttributionConfig.MaxClockConfirmations),
        };
        if (config.Validate() is { } error)
        {
            throw new UsageException(error);
        }
        string? stateDir = cl.Get("--state-dir");
        long snapshotEvery = cl.GetLong("--snapshot-every", 0, 0, long.MaxValue);
        if (stateDir is null && cl.Has("--snapshot-every"))
        {
            throw new UsageException("--snapshot-every needs --state-dir, the directory the snapshots go to.");
        }
        if (stateDir is not null && (cl.Get("--output") is null or "-"))
        {
            throw new UsageException("--state-dir needs --output FILE: resuming cuts the output file back to the last snapshot, which standard output cannot do.");
        }
        return new ReplayOptions
        {
            StateDirectory = stateDir,
            SnapshotEveryLines = snapshotEvery,
            SnapshotsToKeep = cl.GetInt("--snapshots-to-keep", 3, 1, 1000),
            InputPath = cl.Get("--input") is "-" ? null : cl.Get("--input"),
            OutputPath = cl.Get("--output") is "-" ? null : cl.Get("--output"),
            DeadLetterPath = cl.Get("--dead-letter"),
            Quiet = cl.Has("--quiet"),
            Shards = cl.GetInt("--shards", Engine.Pipeline.EngineOptions.DefaultShards, 1, 256),
            MemoryMiB = cl.Has("--memory-mb") ? cl.GetInt("--memory-mb", 0, 1, 1 << 20) : null,
            ExpireEveryEvents = cl.Has("--expire-every") ? cl.GetLong("--expire-every", 0, 1, long.MaxValue) : null,
            Config = config,
        };
    }
}
