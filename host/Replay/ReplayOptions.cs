using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Settings;

namespace Attribution.Host.Replay;

/// <summary>Validated settings of the replay command.</summary>
public sealed record ReplayOptions
{
    /// <summary>Flags that take a value (from the settings catalog).</summary>
    public static readonly string[] ValueFlags = [.. SettingsCatalog.For(SettingScope.Replay).Where(s => s.Kind != SettingKind.Switch).Select(s => s.Flag)];

    /// <summary>Flags without a value.</summary>
    public static readonly string[] Switches = [.. SettingsCatalog.For(SettingScope.Replay).Where(s => s.Kind == SettingKind.Switch).Select(s => s.Flag)];

    /// <summary>Input path, or null for stdin.</summary>
    public string? InputPath { get; init; }
    /// <summary>Output path, or null for stdout.</summary>
    public string? OutputPath { get; init; }
    /// <summary>Dead-letter path, or null for none (rejected records are still counted).</summary>
    public string? DeadLetterPath { get; init; }
    /// <summary>Do not print the summary.</summary>
    public bool Quiet { get; init; }
    /// <summary>Least severe log lines written; above information the summary is not printed.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>How log lines are written.</summary>
    public Observability.LogFormat LogFormat { get; init; } = Observability.LogFormat.Text;

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

    /// <summary>Memory, index size and expiry cadence of the state (null values: the engine's defaults).</summary>
    public Settings.StateSizing State { get; init; } = new();

    /// <summary>The engine settings of this run.</summary>
    public EngineOptions EngineOptions() => State.ApplyTo(new EngineOptions
    {
        Attribution = Config,
        Shards = Shards,
        Wait = WaitKind.Blocking,
        StateDirectory = StateDirectory,
        SnapshotsToKeep = SnapshotsToKeep,
    });
}
