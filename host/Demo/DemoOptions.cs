using Attribution.Engine.Attribution;
using Attribution.Host.Cli;

namespace Attribution.Host.Demo;

/// <summary>Settings of the demo (the default run).</summary>
public sealed record DemoOptions
{
    /// <summary>Flags that take a value.</summary>
    public static readonly string[] ValueFlags = ["--events", "--rate", "--partitions", "--shards", "--seed", "--metrics-port", "--max-clock-skew", "--clock-confirmations"];

    /// <summary>Events to generate.</summary>
    public long Events { get; init; } = 200_000;

    /// <summary>Target events per second; 0 = unpaced.</summary>
    public int Rate { get; init; } = 50_000;

    /// <summary>Partitions of the input and output topics.</summary>
    public int Partitions { get; init; } = 8;

    /// <summary>Engine shard threads.</summary>
    public int Shards { get; init; } = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));

    /// <summary>Generator seed.</summary>
    public int Seed { get; init; } = Random.Shared.Next();

    /// <summary>Port of /metrics and /health; 0 = off.</summary>
    public int MetricsPort { get; init; }

    /// <summary>Event-time guard bound (null = the default); see <see cref="AttributionConfig.MaxClockSkewMs"/>.</summary>
    public long? MaxClockSkewMs { get; init; }

    /// <summary>Event-time guard confirmations; see <see cref="AttributionConfig.ClockConfirmations"/>.</summary>
    public int ClockConfirmations { get; init; } = new AttributionConfig().ClockConfirmations;

    /// <summary>The attribution settings of the demo (defaults but for the event-time guard's flags).</summary>
    public AttributionConfig Attribution => new() { MaxClockSkewMs = MaxClockSkewMs, ClockConfirmations = ClockConfirmations };

    /// <summary>Parses the demo's flags.</summary>
    /// <exception cref="UsageException">A flag is unknown or out of range.</exception>
    public static DemoOptions Parse(string[] args, out bool help)
    {
        var cl = CommandLine.Parse("demo", args, ValueFlags, ["--help"]);
        help = cl.Has("--help");
        var d = new DemoOptions();
        var options = new DemoOptions
        {
            // 2M events stay under the embedded broker's 5 MiB per partition (compressed) with 8 partitions.
            Events = cl.GetLong("--events", d.Events, 1, 2_000_000),
            Rate = cl.GetInt("--rate", d.Rate, 0, 10_000_000),
            Partitions = cl.GetInt("--partitions", d.Partitions, 1, 256),
            Shards = cl.GetInt("--shards", d.Shards, 1, 64),
            Seed = cl.GetInt("--seed", d.Seed, 0, int.MaxValue),
            MetricsPort = cl.GetInt("--metrics-port", 0, 0, 65535),
            MaxClockSkewMs = cl.Has("--max-clock-skew") ? cl.GetDurationMs("--max-clock-skew", 0) : null,
            ClockConfirmations = cl.GetInt("--clock-confirmations", d.ClockConfirmations, 1, AttributionConfig.MaxClockConfirmations),
        };
        if (options.Attribution.Validate() is { } problem)
        {
            throw new UsageException(problem);
        }
        return options;
    }
}
