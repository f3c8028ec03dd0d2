using Attribution.Engine.Attribution;
using Attribution.Host.Cli;
using Attribution.Host.Settings;

namespace Attribution.Host.Demo;

/// <summary>Settings of the demo (the default run).</summary>
public sealed record DemoOptions
{
    /// <summary>Flags that take a value.</summary>
    public static readonly string[] ValueFlags = [.. SettingsCatalog.For(SettingScope.Demo).Where(s => s.Kind != SettingKind.Switch).Select(s => s.Flag)];

    /// <summary>Events to generate.</summary>
    public long Events { get; init; } = 500_000;

    /// <summary>Target events per second; 0 = unpaced.</summary>
    public int Rate { get; init; } = 50_000;

    /// <summary>Partitions of the input and output topics.</summary>
    public int Partitions { get; init; } = 8;

    /// <summary>Engine shard threads.</summary>
    public int Shards { get; init; } = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));

    /// <summary>Generator seed.</summary>
    public int Seed { get; init; } = Random.Shared.Next();

    /// <summary>Epoch ms of the generation clock's start (null = now); paced event times are this + index / rate.</summary>
    public long? StartTimeMs { get; init; }

    /// <summary>How the generated records are keyed and partitioned.</summary>
    public DemoInputKeys InputKeys { get; init; } = DemoInputKeys.User;

    /// <summary>
    /// The generator's order slack: none for input keyed by user (Kafka keeps each user's order), else
    /// <see cref="TrafficGenerator.MisKeyedOrderSlackMs"/> so the attributions do not depend on how partitions interleave.
    /// </summary>
    public long OrderSlackMs => InputKeys == DemoInputKeys.User ? 0 : TrafficGenerator.MisKeyedOrderSlackMs;

    /// <summary>Where to write the attributed conversions read back from the output topic (null = nowhere).</summary>
    public string? OutputFile { get; init; }

    /// <summary>Port of the status page, /metrics and the health endpoints; 0 = off.</summary>
    public int MetricsPort { get; init; }

    /// <summary>Event-time guard bound (null = the default); see <see cref="AttributionConfig.MaxClockSkewMs"/>.</summary>
    public long? MaxClockSkewMs { get; init; }

    /// <summary>Event-time guard confirmations; see <see cref="AttributionConfig.ClockConfirmations"/>.</summary>
    public int ClockConfirmations { get; init; } = new AttributionConfig().ClockConfirmations;

    /// <summary>The attribution settings of the demo (defaults but for the event-time guard's flags).</summary>
    public AttributionConfig Attribution => new() { MaxClockSkewMs = MaxClockSkewMs, ClockConfirmations = ClockConfirmations };

    /// <summary>Least severe log lines written.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>How log lines are written.</summary>
    public Observability.LogFormat LogFormat { get; init; } = Observability.LogFormat.Text;

    /// <summary>Builds and validates the demo's options from its layered settings.</summary>
    /// <exception cref="UsageException">A setting is out of range.</exception>
    public static DemoOptions Read(SettingReader settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var d = new DemoOptions();
        var options = new DemoOptions
        {
            Events = settings.Integer("events", d.Events),
            Rate = (int)settings.Integer("rate", d.Rate),
            Partitions = (int)settings.Integer("partitions", d.Partitions),
            Shards = (int)settings.Integer("shards", d.Shards),
            Seed = (int)settings.Integer("seed", d.Seed),
            StartTimeMs = settings.OptionalInteger("start_time"),
            InputKeys = settings.Choice("input_keys", "user") switch
            {
                "session" => DemoInputKeys.Session,
                "null" => DemoInputKeys.Null,
                "round-robin" => DemoInputKeys.RoundRobin,
                _ => DemoInputKeys.User,
            },
            OutputFile = settings.Text("output_file"),
            MetricsPort = (int)settings.Integer("metrics_port", 0),
            MaxClockSkewMs = settings.OptionalDuration("max_clock_skew"),
            ClockConfirmations = (int)settings.Integer("clock_confirmations", d.ClockConfirmations),
            LogLevel = LogSettings.Level(settings),
            LogFormat = LogSettings.Format(settings),
        };
        if (options.Attribution.Validate() is { } problem)
        {
            throw new UsageException(problem);
        }
        return options;
    }
}
