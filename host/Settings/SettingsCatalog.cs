using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using static Attribution.Host.Settings.SettingKind;
using S = Attribution.Host.Settings.SettingScope;

namespace Attribution.Host.Settings;

/// <summary>
/// Every setting of <c>run</c>, <c>replay</c> and <c>demo</c>, defined once: the flags, the environment
/// variables, the config-file keys, --help and the docs' table all come from here; numeric bounds the
/// engine owns come from <see cref="AttributionConfig"/> and <see cref="EngineOptions"/>.
/// </summary>
public static class SettingsCatalog
{
    /// <summary>Prefix of the environment variables (<c>__</c> separates sections).</summary>
    public const string EnvironmentPrefix = "ATTRIBUTION_";

    /// <summary>The upstream system's variable for the Kafka brokers (read by <c>run</c>, weaker than <c>ATTRIBUTION_BOOTSTRAP_SERVERS</c>).</summary>
    public const string UpstreamBootstrapVariable = "KAFKA_BOOTSTRAP_SERVERS";

    /// <summary>Prefix of the variables that pass librdkafka properties (<c>ATTRIBUTION_KAFKA_LINGER_MS</c> is <c>linger.ms</c>).</summary>
    public const string KafkaVariablePrefix = "ATTRIBUTION_KAFKA_";

    /// <summary>
    /// <c>ATTRIBUTION_*</c> variables that belong to other tools of the repository (the Python binding, the
    /// test suites) or to the test broker's switch, so the host does not report them as unknown.
    /// </summary>
    public static readonly IReadOnlySet<string> OtherToolsVariables = new HashSet<string>(StringComparer.Ordinal)
    {
        "ATTRIBUTION_LIB", "ATTRIBUTION_SEED", "ATTRIBUTION_CHAOS_SECONDS", "ATTRIBUTION_FUZZ_SECONDS",
        "ATTRIBUTION_KILL_LOOP_SECONDS", "ATTRIBUTION_RELIABILITY_REPORT", Demo.TestBrokerSwitch.Variable,
        "ATTRIBUTION_TEST_BOOTSTRAP", "ATTRIBUTION_TEST_KAFKA_PROPERTIES", "ATTRIBUTION_TEST_TOPIC_SUFFIX",
    };

    /// <summary>Prefix of the test suites' client properties for a real cluster (<c>ATTRIBUTION_TEST_KAFKA_SASL_PASSWORD</c>); not the host's.</summary>
    public const string TestKafkaVariablePrefix = "ATTRIBUTION_TEST_KAFKA_";

    private static readonly SettingRange Port = new(0, 65535);

    /// <summary>The config file (<c>--config</c>, <c>ATTRIBUTION_CONFIG</c>).</summary>
    public static readonly Setting Config = new("config", "--config", S.Run | S.Replay | S.Demo, Text, "none",
        "a JSON config file; its keys are the settings' keys (flag names with '_'), sections as objects");

    /// <summary>The log level.</summary>
    public static readonly Setting LogLevel = new("logging:level", "--log-level", S.Run | S.Replay | S.Demo, Choice, "information",
        "least severe log lines written; above information, replay prints no summary and run logs only warnings and errors")
    { Choices = ["trace", "debug", "information", "warning", "error", "critical", "none"] };

    /// <summary>The log format.</summary>
    public static readonly Setting LogFormat = new("logging:format", "--log-format", S.Run | S.Replay | S.Demo, Choice, "text",
        "text: 'time level component key=value'; json: one object per line")
    { Choices = ["text", "json"] };

    /// <summary>librdkafka properties.</summary>
    public static readonly Setting Kafka = new("kafka", "--kafka", S.Run, KafkaProperties, "none",
        "KEY=VALUE: any librdkafka property, repeatable (TLS, SASL, tuning): unprefixed for every client, consumer./producer./admin.KEY for one (it wins); a value ${file:/path} is read from the file; also ATTRIBUTION_KAFKA_<KEY> with '_' for '.' (ATTRIBUTION_KAFKA_<KEY>_FILE reads a file), or a \"kafka\" object in the file");

    /// <summary>Every setting, in help order.</summary>
    public static readonly IReadOnlyList<Setting> All =
    [
        new("bootstrap_servers", "--bootstrap-servers", S.Run, Text, "none (required)", $"Kafka brokers, host:port,...; also {UpstreamBootstrapVariable}"),
        new("input_topic", "--input-topic", S.Run, Text, "raw-events", "topic of the upstream events"),
        new("output_topic", "--output-topic", S.Run, Text, "attributed-events", "topic of the attributed conversions"),
        new("dead_letter_topic", "--dead-letter-topic", S.Run, Text, "attribution-dead-letter", "topic of rejected records, headers reason/field/source-partition/source-offset"),
        new("input_keying", "--input-keying", S.Run, Choice, "rekey",
            "rekey: re-key every input record by user_id through the repartition topic (output independent of the input's keys); trust: the input is keyed by user_id, process each record where it is (mis-keyed ones counted); reject: as trust, mis-keyed records go to the dead letters (mis_keyed)")
        { Choices = ["rekey", "trust", "reject"] },
        new("input_partitioner", "--input-partitioner", S.Run, Choice, "murmur2",
            "the partitioner upstream producers key the input with, which decides whether a record is keyed by user_id: murmur2 (Java Kafka's default, librdkafka's murmur2_random) or consistent (librdkafka's default, CRC32)")
        { Choices = ["murmur2", "consistent"] },
        new("repartition_topic", "--repartition-topic", S.Run, Text, "<group>-by-user-repartition",
            "internal topic the input is re-keyed into with --input-keying rekey; created with the input's partition count when missing"),
        new("group", "--group", S.Run, Text, "attribution", "consumer group"),
        new("host_id", "--host-id", S.Run, Text, "the machine name", "this host's stable name; transactional.id is attribution-<group>-<host-id>"),
        new("input_format", "--input-format", S.Run, Choice, "json", "wire format of the input") { Choices = ["json", "msgpack"] },
        new("output_format", "--output-format", S.Run, Choice, "json", "wire format of the output") { Choices = ["json", "msgpack"] },
        new("commit_interval", "--commit-interval", S.Run, Duration, "25ms", "one transaction per interval, at a fixed rate") { Range = new(1, 60_000) },
        new("input", "--input", S.Replay, Text, "standard input", "events as JSON lines ('-' = standard input)"),
        new("output", "--output", S.Replay, Text, "standard output", "attributed conversions as JSON lines ('-' = standard output)"),
        new("dead_letter", "--dead-letter", S.Replay, Text, "none", "write each rejected line as {\"line\":N,\"reason\":…,\"field\":…,\"record\":…} (at most 512 KiB a record)"),
        new("events", "--events", S.Demo, Integer, "500000", "events to generate (the embedded broker keeps at most 2M)") { Range = new(1, 2_000_000) },
        new("rate", "--rate", S.Demo, Integer, "50000", "events per second the generator aims for; 0 = as fast as it can") { Range = new(0, 10_000_000) },
        new("seed", "--seed", S.Demo, Integer, "random, printed", "generator seed") { Range = new(0, int.MaxValue) },
        new("start_time", "--start-time", S.Demo, Integer, "now", "epoch ms of the first generated event; paced events are stamped start + index / rate, so the same seed, rate, events and start time repeat the same traffic") { Range = new(0, 4_102_444_800_000) },
        new("input_keys", "--input-keys", S.Demo, Choice, "user", "how the generator keys raw-events: user (user_id, murmur2 partitioner), session (a session id: a user's events spread over partitions), null (no key), round-robin (partition = event index mod partitions); mis-keyed traffic keeps a user's events of one campaign 2 s apart, so partitions may interleave")
        { Choices = ["user", "session", "null", "round-robin"] },
        new("output_file", "--output-file", S.Demo, Text, "none", "write the attributed conversions read back from attributed-events to this file, one JSON line each"),
        new("window", "--window", S.Run, Duration, "24h", "attribution window: 24h, 30m, 1000ms ... (or window_hours)"),
        new("window_hours", "--window-hours", S.Run | S.Replay, Hours, "24", "attribution window in hours, fractions allowed"),
        new("allowed_lateness", "--allowed-lateness", S.Run | S.Replay, Duration, "1h", "how late an event may arrive and still see state"),
        new("conversion_retention", "--conversion-retention", S.Run | S.Replay, Duration, "window + lateness", "how long attributed conversion ids are remembered against duplicates"),
        new("click_history", "--click-history", S.Run | S.Replay, Integer, "4", "clicks kept per (user, campaign) for out-of-order conversions") { Range = AttributionConfig.ClickHistoryRange },
        new("max_clock_skew", "--max-clock-skew", S.Run | S.Replay | S.Demo, Duration, "7d, at least window + lateness", "an event further than this ahead of or behind its partition's event time is dead-lettered as clock_skew, unless a jump ahead is confirmed"),
        new("clock_confirmations", "--clock-confirmations", S.Run | S.Replay | S.Demo, Integer, "3", "agreeing events that start a partition's event time or confirm a jump ahead (1 = no forward check)") { Range = AttributionConfig.ClockConfirmationsRange },
        new("partitions", "--partitions", S.Replay, Integer, "64", "state partitions, user_id hashed with a stable hash") { Range = AttributionConfig.PartitionsRange },
        new("partitions", "--partitions", S.Demo, Integer, "8", "partitions of raw-events") { Range = new(1, 256) },
        new("max_record_bytes", "--max-record-bytes", S.Run | S.Replay, Integer, "65536", "reject longer records as oversized") { Range = AttributionConfig.MaxRecordBytesRange },
        new("shards", "--shards", S.Run | S.Demo, Integer, "cores, at most 4", "engine shard threads") { Range = EngineOptions.ShardsRange },
        new("shards", "--shards", S.Replay, Integer, "cores - 1, at least 1", "shard threads; each partition's output order is the same for any count") { Range = EngineOptions.ShardsRange },
        new("start_from_timestamp", "--start-from-timestamp", S.Run, Text, "none (the group's offsets, else auto.offset.reset)",
            "cut-over: input partitions the group has no committed offset for start at the first record with a Kafka timestamp at or after this time (ISO-8601 UTC or epoch ms); state is rebuilt silently from the input before it"),
        new("rebuild_lookback", "--rebuild-lookback", S.Run, Duration, "2 x max(window + lateness, retention)", "input replayed to rebuild a partition's state, before its last committed record"),
        new("startup_timeout", "--startup-timeout", S.Run, Duration, "10s", "how long to wait for the cluster at start") { Range = new(100, 3_600_000) },
        new("transaction_timeout", "--transaction-timeout", S.Run, Duration, "60s", "the producer's transaction.timeout.ms") { Range = new(1_000, 900_000) },
        new("state_dir", "--state-dir", S.Run, Text, "none", "keep state and snapshots here; a restart resumes from the newest snapshot and replays only the input after it"),
        new("state_dir", "--state-dir", S.Replay, Text, "none", "keep state and snapshots here; the same command resumes after a crash and the output holds every attribution once (needs --output)"),
        new("snapshot_interval", "--snapshot-interval", S.Run, Duration, "1m", "how often to snapshot, at a transaction boundary") { Range = new(100, 86_400_000) },
        new("snapshot_every", "--snapshot-every", S.Replay, Integer, "0 (only at the end)", "snapshot every N input lines") { Range = new(0, long.MaxValue) },
        new("snapshots_to_keep", "--snapshots-to-keep", S.Replay, Integer, "3", "snapshots kept in the state directory") { Range = EngineOptions.SnapshotsToKeepRange },
        new("memory_mb", "--memory-mb", S.Run | S.Replay, Integer, "64 for clicks, 16 for conversion ids", "in-memory budget of each state table in MiB, allocated when the engine opens; older state spills to disk") { Range = new(EngineOptions.MemoryBytesRange.Min >> 20, EngineOptions.MemoryBytesRange.Max >> 20) },
        new("index_buckets", "--index-buckets", S.Run | S.Replay, Integer, "65536",
            "hash index buckets of each state table per shard: a power of two, 64 bytes each, each holding up to 7 keys (about one bucket per 4 to 6 stored keys)") { Range = EngineOptions.IndexBucketsRange },
        new("expire_every", "--expire-every", S.Run | S.Replay, Integer, "250000", "sweep expired state after at least N events per shard") { Range = new(1, long.MaxValue) },
        new("shared_state_dir", "--shared-state-dir", S.Run, Text, "none", "a directory every host of the group reaches: a partition's state is written there when given up and every snapshot interval, and its next owner starts from it"),
        new("oauthbearer_token_command", "--oauthbearer-token-command", S.Run, Text, "none",
            "with sasl.mechanism=OAUTHBEARER: a shell command printing {\"token\":…,\"expiry_ms\":…[,\"principal\":…]}, run whenever librdkafka needs a token (AWS MSK IAM)"),
        new("metrics_port", "--metrics-port", S.Run | S.Demo, Integer, "0 (off)", "serve the status page (/), /metrics (Prometheus) and the health probes on this port") { Range = Port },
        new("metrics_address", "--metrics-address", S.Run, Text, "127.0.0.1", "the address the metrics endpoints listen on: 0.0.0.0 or :: to let other machines scrape (limits: docs)"),
        new("quiet", "--quiet", S.Replay, Switch, "false", "do not print the summary"),
        LogLevel,
        LogFormat,
        Kafka,
        Config,
    ];

    /// <summary>The settings of one command, in help order.</summary>
    public static IReadOnlyList<Setting> For(SettingScope command) => [.. All.Where(s => (s.Scope & command) != 0)];

    /// <summary>The setting of <paramref name="command"/> with configuration key <paramref name="key"/> (case-insensitive).</summary>
    public static Setting? Find(SettingScope command, string key)
        => All.FirstOrDefault(s => (s.Scope & command) != 0 && string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether any command knows the configuration key (a key of another command is not a typo).</summary>
    public static bool IsKnownKey(string key)
        => All.Any(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase))
           || key.StartsWith(Kafka.Key + ":", StringComparison.OrdinalIgnoreCase);
}
