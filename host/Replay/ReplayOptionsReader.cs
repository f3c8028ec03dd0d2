using System.CommandLine;
using Attribution.Engine.Attribution;
using Attribution.Host.Cli;
using Attribution.Host.Settings;

namespace Attribution.Host.Replay;

/// <summary>Builds <see cref="ReplayOptions"/> from the layered settings of <c>replay</c> (file &lt; environment &lt; flags).</summary>
public static class ReplayOptionsReader
{
    /// <summary>Reads the options from <c>replay</c>'s flags <paramref name="args"/> and <paramref name="environment"/>.</summary>
    /// <exception cref="UsageException">A flag or setting is invalid (one sentence).</exception>
    public static ReplayOptions Read(string[] args, IReadOnlyDictionary<string, string> environment)
    {
        var command = new Command("replay");
        var settings = CommandSettings.AddTo(command, SettingScope.Replay);
        var parse = command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            throw new UsageException(ParseErrorSentence.Of(parse));
        }
        return Read(new SettingReader(settings.Load(parse, environment)));
    }

    /// <summary>Builds and validates the options.</summary>
    /// <exception cref="UsageException">A setting is invalid (one sentence).</exception>
    public static ReplayOptions Read(SettingReader settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new AttributionConfig();
        var config = new AttributionConfig
        {
            WindowMs = settings.Hours("window_hours", defaults.WindowMs),
            AllowedLatenessMs = settings.Duration("allowed_lateness", defaults.AllowedLatenessMs),
            Partitions = (int)settings.Integer("partitions", defaults.Partitions),
            MaxRecordBytes = (int)settings.Integer("max_record_bytes", defaults.MaxRecordBytes),
            ConversionRetentionMs = settings.OptionalDuration("conversion_retention"),
            ClickHistory = (int)settings.Integer("click_history", defaults.ClickHistory),
            MaxClockSkewMs = settings.OptionalDuration("max_clock_skew"),
            ClockConfirmations = (int)settings.Integer("clock_confirmations", defaults.ClockConfirmations),
        };
        if (config.Validate() is { } error)
        {
            throw new UsageException(error);
        }
        string? stateDir = settings.Text("state_dir");
        long snapshotEvery = settings.Integer("snapshot_every", 0);
        string? output = settings.Text("output");
        if (stateDir is null && settings.Has("snapshot_every"))
        {
            throw new UsageException("--snapshot-every needs --state-dir, the directory the snapshots go to.");
        }
        if (stateDir is not null && output is null or "-")
        {
            throw new UsageException("--state-dir needs --output FILE: resuming cuts the output file back to the last snapshot, which standard output cannot do.");
        }
        var level = LogSettings.Level(settings);
        var options = new ReplayOptions
        {
            StateDirectory = stateDir,
            SnapshotEveryLines = snapshotEvery,
            SnapshotsToKeep = (int)settings.Integer("snapshots_to_keep", 3),
            InputPath = settings.Text("input") is "-" ? null : settings.Text("input"),
            OutputPath = output is "-" ? null : output,
            DeadLetterPath = settings.Text("dead_letter"),
            Quiet = settings.Switch("quiet") || level > Microsoft.Extensions.Logging.LogLevel.Information,
            Shards = (int)settings.Integer("shards", Engine.Pipeline.EngineOptions.DefaultShards),
            State = StateSizing.Read(settings),
            Config = config,
            LogLevel = level,
            LogFormat = LogSettings.Format(settings),
        };
        if (options.EngineOptions().Validate() is { } engineProblem)
        {
            throw new UsageException(engineProblem);
        }
        return options;
    }
}
