using System.Globalization;
using System.Text.Json;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Cli;

namespace Attribution.Host.Run;

/// <summary>
/// Builds <see cref="RunOptions"/> from, in increasing precedence: defaults, a JSON config file
/// (<c>--config</c> or <c>ATTRIBUTION_CONFIG</c>), environment variables (<c>ATTRIBUTION_*</c>, and the
/// upstream <c>KAFKA_BOOTSTRAP_SERVERS</c>), and flags. Every problem is a <see cref="UsageException"/>
/// with one sentence naming where the bad value came from.
/// </summary>
public static class RunOptionsReader
{
    /// <summary>Settings, by flag name without the dashes; the JSON key is the same with '_' for '-', the environment variable ATTRIBUTION_ + upper snake case.</summary>
    public static readonly IReadOnlyList<string> Settings =
    [
        "bootstrap-servers", "input-topic", "output-topic", "dead-letter-topic", "group", "host-id",
        "input-format", "output-format", "commit-interval", "window", "window-hours", "allowed-lateness",
        "conversion-retention", "click-history", "max-record-bytes", "shards", "rebuild-lookback",
        "startup-timeout", "transaction-timeout", "state-dir", "snapshot-interval", "shared-state-dir", "metrics-port",
        "metrics-address",
        "max-clock-skew", "clock-confirmations",
    ];

    /// <summary>Prefix of environment variables that pass librdkafka properties (underscores become dots).</summary>
    public const string KafkaEnvPrefix = "ATTRIBUTION_KAFKA_";

    // Properties the host sets itself: overriding them would break exactly-once or the group.
    private static readonly Dictionary<string, string> Reserved = new(StringComparer.Ordinal)
    {
        ["bootstrap.servers"] = "use bootstrap-servers instead",
        ["group.id"] = "use group instead",
        ["transactional.id"] = "it is derived from group and host-id",
        ["enable.auto.commit"] = "offsets commit inside the output transactions",
        ["enable.auto.offset.store"] = "offsets commit inside the output transactions",
        ["isolation.level"] = "the host reads read_committed",
        ["enable.idempotence"] = "the transactional producer needs it",
        ["enable.partition.eof"] = "the host manages it",
    };

    /// <summary>The process environment as a dictionary (what <see cref="Read"/> takes).</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = (string?)e.Value ?? "";
        }
        return env;
    }

    /// <summary>Reads the options from <paramref name="args"/> and the variables in <paramref name="environment"/>.</summary>
    /// <exception cref="UsageException">A setting is missing or invalid (one sentence).</exception>
    public static RunOptions Read(string[] args, IReadOnlyDictionary<string, string> environment, out bool help)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var kafka = new Dictionary<string, string>(StringComparer.Ordinal);
        var flagKafka = new List<string>();
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--kafka")
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException("The flag --kafka needs a value like security.protocol=SASL_SSL.");
                }
                flagKafka.Add(args[++i]);
            }
            else if (args[i].StartsWith("--kafka=", StringComparison.Ordinal))
            {
                flagKafka.Add(args[i]["--kafka=".Length..]);
            }
            else
            {
                rest.Add(args[i]);
            }
        }
        var valueFlags = Settings.Select(s => "--" + s).Append("--config").ToArray();
        var cl = CommandLine.Parse("run", [.. rest], valueFlags, ["--help"]);
        help = cl.Has("--help");
        if (help)
        {
            return new RunOptions { BootstrapServers = "" };
        }

        var values = new Dictionary<string, (string Value, string Source)>(StringComparer.Ordinal);
        string? configPath = cl.Get("--config") ?? environment.GetValueOrDefault("ATTRIBUTION_CONFIG");
        if (configPath is not null)
        {
            ReadFile(configPath, values, kafka);
        }
        foreach (var name in Settings)
        {
            string env = EnvName(name);
            if (environment.GetValueOrDefault(env) is { } v)
            {
                values[name] = (v, env);
            }
            else if (name == "bootstrap-servers" && environment.GetValueOrDefault("KAFKA_BOOTSTRAP_SERVERS") is { } upstream)
            {
                values[name] = (upstream, "KAFKA_BOOTSTRAP_SERVERS");
            }
        }
        foreach (var name in Settings)
        {
            if (cl.Get("--" + name) is { } v)
            {
                values[name] = (v, "--" + name);
            }
        }
        foreach (var (key, value) in KafkaFromEnvironment(environment))
        {
            kafka[key] = value;
        }
        foreach (var pair in flagKafka)
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--kafka needs key=value, like security.protocol=SASL_SSL, but got '{pair}'.");
            }
            kafka[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        foreach (var key in kafka.Keys)
        {
            if (Reserved.TryGetValue(key, out var why))
            {
                throw new UsageException($"The Kafka property '{key}' cannot be overridden: {why}.");
            }
        }
        return Build(values, kafka);
    }

    /// <summary>The environment variable of a setting.</summary>
    public static string EnvName(string setting) => "ATTRIBUTION_" + setting.Replace('-', '_').ToUpperInvariant();

    private static IEnumerable<(string Key, string Value)> KafkaFromEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (name.StartsWith(KafkaEnvPrefix, StringComparison.Ordinal) && name.Length > KafkaEnvPrefix.Length)
            {
                yield return (name[KafkaEnvPrefix.Length..].ToLowerInvariant().Replace('_', '.'), value);
            }
        }
    }

    private static void ReadFile(string path, Dictionary<string, (string, string)> values, Dictionary<string, string> kafka)
    {
        string file = Path.GetFileName(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"The config file '{path}' cannot be read: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new UsageException($"The config file '{path}' is not valid JSON ({e.Message.Split('.')[0]}).");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new UsageException($"The config file '{path}' must hold one JSON object.");
            }
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "kafka")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new UsageException($"\"kafka\" in {file} must be an object of librdkafka properties.");
                    }
                    foreach (var k in property.Value.EnumerateObject())
                    {
                        kafka[k.Name] = Scalar(k.Value, $"kafka.{k.Name} in {file}");
                    }
                    continue;
                }
                string name = property.Name.Replace('_', '-');
                if (!Settings.Contains(name))
                {
                    throw new UsageException(
                        $"The config file {file} has an unknown key '{property.Name}'; known keys are {string.Join(", ", Settings.Select(s => s.Replace('-', '_')))} and kafka.");
                }
                values[name] = (Scalar(property.Value, $"{property.Name} in {file}"), $"{property.Name} in {file}");
            }
        }
    }

    private static string Scalar(JsonElement value, string source) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new UsageException($"{source} must be a string, a number or a boolean."),
    };

    private static RunOptions Build(Dictionary<string, (string Value, string Source)> values, Dictionary<string, string> kafka)
    {
        string? Text(string name) => values.TryGetValue(name, out var v) ? v.Value : null;
        string Source(string name) => values[name].Source;

        string bootstrap = Text("bootstrap-servers")?.Trim() ?? "";
        if (bootstrap.Length == 0)
        {
            throw new UsageException("No Kafka bootstrap servers are set; pass --bootstrap-servers host:port, set KAFKA_BOOTSTRAP_SERVERS, or put bootstrap_servers in the config file.");
        }
        var defaults = new AttributionConfig();
        long window = Duration("window", defaults.WindowMs, values);
        if (values.ContainsKey("window-hours"))
        {
            if (values.ContainsKey("window"))
            {
                throw new UsageException($"Both {Source("window")} and {Source("window-hours")} set the window; use one.");
            }
            window = Hours("window-hours", values);
        }
        long lateness = Duration("allowed-lateness", defaults.AllowedLatenessMs, values);
        var attribution = new AttributionConfig
        {
            WindowMs = window,
            AllowedLatenessMs = lateness,
            ConversionRetentionMs = values.ContainsKey("conversion-retention") ? Duration("conversion-retention", 0, values) : null,
            ClickHistory = (int)Number("click-history", defaults.ClickHistory, 1, 64, values),
            MaxRecordBytes = (int)Number("max-record-bytes", defaults.MaxRecordBytes, 256, 16 * 1024 * 1024, values),
            Partitions = defaults.Partitions,
            MaxClockSkewMs = values.ContainsKey("max-clock-skew") ? Duration("max-clock-skew", 0, values) : null,
            ClockConfirmations = (int)Number("clock-confirmations", defaults.ClockConfirmations, 1, AttributionConfig.MaxClockConfirmations, values),
        };
        if (attribution.Validate() is { } problem)
        {
            throw new UsageException(problem);
        }
        var options = new RunOptions
        {
            BootstrapServers = bootstrap,
            InputTopic = Topic("input-topic", "raw-events", values),
            OutputTopic = Topic("output-topic", "attributed-events", values),
            DeadLetterTopic = Topic("dead-letter-topic", "attribution-dead-letter", values),
            GroupId = Name("group", "attribution", values),
            HostId = Name("host-id", RunOptions.DefaultHostId(), values),
            InputFormat = Format("input-format", values),
            OutputFormat = Format("output-format", values),
            CommitInterval = TimeSpan.FromMilliseconds(Duration("commit-interval", 100, values, minMs: 1, maxMs: 60_000)),
            Attribution = attribution,
            Shards = (int)Number("shards", Math.Max(1, Math.Min(Environment.ProcessorCount, 4)), 1, 256, values),
            RebuildLookback = values.ContainsKey("rebuild-lookback") ? TimeSpan.FromMilliseconds(Duration("rebuild-lookback", 0, values)) : null,
            StartupTimeout = TimeSpan.FromMilliseconds(Duration("startup-timeout", 10_000, values, minMs: 100, maxMs: 3_600_000)),
            TransactionTimeout = TimeSpan.FromMilliseconds(Duration("transaction-timeout", 60_000, values, minMs: 1_000, maxMs: 900_000)),
            StateDirectory = values.TryGetValue("state-dir", out var stateDir) ? (stateDir.Value.Trim().Length > 0 ? stateDir.Value.Trim() : throw new UsageException($"{stateDir.Source} must name a directory.")) : null,
            SnapshotInterval = TimeSpan.FromMilliseconds(Duration("snapshot-interval", 60_000, values, minMs: 100, maxMs: 86_400_000)),
            SharedStateDirectory = values.TryGetValue("shared-state-dir", out var sharedDir) ? (sharedDir.Value.Trim().Length > 0 ? sharedDir.Value.Trim() : throw new UsageException($"{sharedDir.Source} must name a directory.")) : null,
            MetricsPort = (int)Number("metrics-port", 0, 0, 65535, values),
            MetricsAddress = Address("metrics-address", values),
            KafkaProperties = kafka,
        };
        if (options.InputTopic == options.OutputTopic || options.InputTopic == options.DeadLetterTopic || options.OutputTopic == options.DeadLetterTopic)
        {
            throw new UsageException("The input, output and dead-letter topics must be three different topics.");
        }
        if (options.EngineOptions().Validate() is { } engineProblem)
        {
            throw new UsageException(engineProblem);
        }
        return options;
    }

    private static long Number(string name, long defaultValue, long min, long max, Dictionary<string, (string Value, string Source)> values)
    {
        if (!values.TryGetValue(name, out var v))
        {
            return defaultValue;
        }
        if (!long.TryParse(v.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
        {
            throw new UsageException($"{v.Source} needs a whole number from {min} to {max}, but got '{v.Value}'.");
        }
        return n;
    }

    private static long Duration(string name, long defaultMs, Dictionary<string, (string Value, string Source)> values, long minMs = 0, long maxMs = long.MaxValue)
    {
        if (!values.TryGetValue(name, out var v))
        {
            return defaultMs;
        }
        long ms = CommandLine.ParseDurationMs(v.Source, v.Value.Trim());
        if (ms < minMs || ms > maxMs)
        {
            throw new UsageException($"{v.Source} must be between {minMs} ms and {maxMs} ms, but got '{v.Value}'.");
        }
        return ms;
    }

    private static long Hours(string name, Dictionary<string, (string Value, string Source)> values)
    {
        var v = values[name];
        if (!double.TryParse(v.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double h) || !(h > 0) || h > 24 * 366)
        {
            throw new UsageException($"{v.Source} needs a positive number of hours (at most a year), but got '{v.Value}'.");
        }
        return (long)Math.Round(h * AttributionConfig.HourMs);
    }

    private static string Topic(string name, string defaultValue, Dictionary<string, (string Value, string Source)> values)
    {
        if (!values.TryGetValue(name, out var v))
        {
            return defaultValue;
        }
        if (Kafka.KafkaTopicName.Problem(v.Value) is { } problem)
        {
            throw new UsageException($"{v.Source} has a bad {problem}");
        }
        return v.Value;
    }

    private static string Name(string name, string defaultValue, Dictionary<string, (string Value, string Source)> values)
    {
        if (!values.TryGetValue(name, out var v))
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
    private static System.Net.IPAddress Address(string name, Dictionary<string, (string Value, string Source)> values)
    {
        if (!values.TryGetValue(name, out var v))
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

    private static WireFormat Format(string name, Dictionary<string, (string Value, string Source)> values)
    {
        if (!values.TryGetValue(name, out var v))
        {
            return WireFormat.Json;
        }
        return v.Value.Trim().ToLowerInvariant() switch
        {
            "json" => WireFormat.Json,
            "msgpack" or "messagepack" => WireFormat.MessagePack,
            _ => throw new UsageException($"{v.Source} must be json or msgpack, but got '{v.Value}'."),
        };
    }
}
