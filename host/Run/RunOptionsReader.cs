using System.CommandLine;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Cli;
using Attribution.Host.Observability;
using Attribution.Host.Settings;

namespace Attribution.Host.Run;

/// <summary>
/// Builds <see cref="RunOptions"/> from the layered settings of <c>run</c> (defaults &lt; the JSON file &lt;
/// <c>ATTRIBUTION_*</c> variables and <c>KAFKA_BOOTSTRAP_SERVERS</c> &lt; flags). Every problem is a
/// <see cref="UsageException"/> with one sentence naming where the bad value came from.
/// </summary>
public static class RunOptionsReader
{
    /// <summary>Reads the options from <c>run</c>'s flags <paramref name="args"/> and <paramref name="environment"/> (and the file they name).</summary>
    /// <exception cref="UsageException">A flag or setting is missing or invalid (one sentence).</exception>
    public static RunOptions Read(string[] args, IReadOnlyDictionary<string, string> environment)
    {
        var command = new Command("run");
        var settings = CommandSettings.AddTo(command, SettingScope.Run);
        var parse = command.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            throw new UsageException(ParseErrorSentence.Of(parse));
        }
        return Read(new SettingReader(settings.Load(parse, environment)));
    }

    /// <summary>Builds and validates the options from layered settings.</summary>
    /// <exception cref="UsageException">A setting is missing or invalid (one sentence).</exception>
    public static RunOptions Read(SettingReader settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var kafka = new Dictionary<string, string>(settings.Layers.KafkaProperties(), StringComparer.Ordinal);
        Kafka.KafkaClientProperties.CheckNotHostOwned(kafka.Keys);
        string bootstrap = settings.Text("bootstrap_servers")?.Trim() ?? "";
        if (bootstrap.Length == 0)
        {
            throw new UsageException("No Kafka bootstrap servers are set; pass --bootstrap-servers host:port, set KAFKA_BOOTSTRAP_SERVERS, or put bootstrap_servers in the config file.");
        }
        var defaults = new AttributionConfig();
        long window = settings.Duration("window", defaults.WindowMs);
        if (settings.Raw("window_hours") is { } hours)
        {
            if (settings.Raw("window") is { } w)
            {
                throw new UsageException($"Both {w.Source} and {hours.Source} set the window; use one.");
            }
            window = settings.Hours("window_hours", defaults.WindowMs);
        }
        var attribution = new AttributionConfig
        {
            WindowMs = window,
            AllowedLatenessMs = settings.Duration("allowed_lateness", defaults.AllowedLatenessMs),
            ConversionRetentionMs = settings.OptionalDuration("conversion_retention"),
            ClickHistory = (int)settings.Integer("click_history", defaults.ClickHistory),
            MaxRecordBytes = (int)settings.Integer("max_record_bytes", defaults.MaxRecordBytes),
            Partitions = defaults.Partitions,
            MaxClockSkewMs = settings.OptionalDuration("max_clock_skew"),
            ClockConfirmations = (int)settings.Integer("clock_confirmations", defaults.ClockConfirmations),
        };
        if (attribution.Validate() is { } problem)
        {
            throw new UsageException(problem);
        }
        var options = new RunOptions
        {
            BootstrapServers = bootstrap,
            InputTopic = Topic(settings, "input_topic", "raw-events"),
            OutputTopic = Topic(settings, "output_topic", "attributed-events"),
            DeadLetterTopic = Topic(settings, "dead_letter_topic", "attribution-dead-letter"),
            GroupId = Name(settings, "group", "attribution"),
            InputKeying = settings.Choice("input_keying", "rekey") switch { "trust" => InputKeying.Trust, "reject" => InputKeying.Reject, _ => InputKeying.Rekey },
            InputPartitioner = settings.Choice("input_partitioner", "murmur2") == "consistent" ? Kafka.InputPartitioner.Consistent : Kafka.InputPartitioner.Murmur2,
            RepartitionTopicName = settings.Raw("repartition_topic") is null ? null : Topic(settings, "repartition_topic", ""),
            HostId = Name(settings, "host_id", RunOptions.DefaultHostId()),
            InputFormat = Format(settings.Choice("input_format", "json")),
            OutputFormat = Format(settings.Choice("output_format", "json")),
            CommitInterval = TimeSpan.FromMilliseconds(settings.Duration("commit_interval", 25)),
            Attribution = attribution,
            Shards = (int)settings.Integer("shards", Math.Max(1, Math.Min(Environment.ProcessorCount, 4))),
            State = StateSizing.Read(settings),
            StartFromTimestampMs = StartFromTimestamp.Parse(settings.Raw("start_from_timestamp")),
            RebuildLookback = settings.OptionalDuration("rebuild_lookback") is { } lookback ? TimeSpan.FromMilliseconds(lookback) : null,
            StartupTimeout = TimeSpan.FromMilliseconds(settings.Duration("startup_timeout", 10_000)),
            TransactionTimeout = TimeSpan.FromMilliseconds(settings.Duration("transaction_timeout", 60_000)),
            StateDirectory = Directory(settings, "state_dir"),
            SnapshotInterval = TimeSpan.FromMilliseconds(settings.Duration("snapshot_interval", 60_000)),
            SharedStateDirectory = Directory(settings, "shared_state_dir"),
            MetricsPort = (int)settings.Integer("metrics_port", 0),
            MetricsAddress = Address(settings, "metrics_address"),
            KafkaProperties = kafka,
            OAuthBearerTokenCommand = settings.Raw("oauthbearer_token_command") is { } oauth
                ? (oauth.Value.Trim().Length > 0 ? oauth.Value.Trim() : throw new UsageException($"{oauth.Source} must name a command."))
                : null,
            LogLevel = LogSettings.Level(settings),
            LogFormat = LogSettings.Format(settings),
        };
        if (options.InputTopic == options.OutputTopic || options.InputTopic == options.DeadLetterTopic || options.OutputTopic == options.DeadLetterTopic)
        {
            throw new UsageException("The input, output and dead-letter topics must be three different topics.");
        }
        if (options.InputKeying == InputKeying.Rekey && options.RepartitionTopic is var repartition
            && (repartition == options.InputTopic || repartition == options.OutputTopic || repartition == options.DeadLetterTopic))
        {
            throw new UsageException($"The repartition topic '{repartition}' must differ from the input, output and dead-letter topics.");
        }
        if (options.StartFromTimestampMs is not null && options.InputKeying == InputKeying.Rekey)
        {
            throw new UsageException("--start-from-timestamp needs --input-keying trust or reject (input keyed by user id): with rekey the input's time order is lost in the repartition topic, so the cut cannot be exact.");
        }
        if (options.EngineOptions().Validate() is { } engineProblem)
        {
            throw new UsageException(engineProblem);
        }
        return options;
    }

    private static string? Directory(SettingReader settings, string key)
    {
        if (settings.Raw(key) is not { } v)
        {
            return null;
        }
        return v.Value.Trim().Length > 0 ? v.Value.Trim() : throw new UsageException($"{v.Source} must name a directory.");
    }

    private static string Topic(SettingReader settings, string key, string defaultValue)
    {
        if (settings.Raw(key) is not { } v)
        {
            return defaultValue;
        }
        if (Kafka.KafkaTopicName.Problem(v.Value) is { } problem)
        {
            throw new UsageException($"{v.Source} has a bad {problem}");
        }
        return v.Value;
    }

    private static string Name(SettingReader settings, string key, string defaultValue)
    {
        if (settings.Raw(key) is not { } v)
        {
            return defaultValue;
        }
        if (v.Value.Length is 0 or > 200 || !v.Value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new UsageException($"{v.Source} must be 1 to 200 ASCII letters, digits, '.', '_' or '-', but got '{v.Value}'.");
        }
        return v.Value;
    }

    // An IP literal only (a name could resolve to several addresses or none); 127.1-style shorthands are refused too.
    private static System.Net.IPAddress Address(SettingReader settings, string key)
    {
        if (settings.Raw(key) is not { } v)
        {
            return System.Net.IPAddress.Loopback;
        }
        string text = v.Value.Trim();
        bool shaped = text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3;
        if (!shaped || !System.Net.IPAddress.TryParse(text, out var address))
        {
            throw new UsageException($"{v.Source} must be an IP address such as 127.0.0.1 (the default), 0.0.0.0 (every IPv4 interface) or :: (every interface), but got '{v.Value}'.");
        }
        return address;
    }

    private static WireFormat Format(string word) => word == "msgpack" ? WireFormat.MessagePack : WireFormat.Json;
}
