using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Validated settings of <c>attribution run</c> (built by <see cref="RunOptionsReader"/> from flags,
/// environment variables and an optional JSON file). Defaults match the upstream system.
/// </summary>
public sealed record RunOptions
{
    /// <summary>Kafka <c>bootstrap.servers</c>.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Topic of the upstream events.</summary>
    public string InputTopic { get; init; } = "raw-events";

    /// <summary>Topic of the attributed conversions.</summary>
    public string OutputTopic { get; init; } = "attributed-events";

    /// <summary>Topic of rejected input records.</summary>
    public string DeadLetterTopic { get; init; } = "attribution-dead-letter";

    /// <summary>How the input's partitioning is treated (<see cref="Run.InputKeying"/>): re-keyed by user id by default.</summary>
    public InputKeying InputKeying { get; init; } = InputKeying.Rekey;

    /// <summary>The partitioner upstream producers key the input with, which decides whether a record is keyed by user id.</summary>
    public Kafka.InputPartitioner InputPartitioner { get; init; } = Kafka.InputPartitioner.Murmur2;

    /// <summary>Internal topic the input is re-keyed into (null: <c>&lt;group&gt;-by-user-repartition</c>); used with <see cref="InputKeying.Rekey"/>.</summary>
    public string? RepartitionTopicName { get; init; }

    /// <summary>The repartition topic in force.</summary>
    public string RepartitionTopic => RepartitionTopicName ?? $"{GroupId}-by-user-repartition";

    /// <summary>
    /// The topic whose partitions are the engine's state partitions: the repartition topic when re-keying,
    /// else the input topic itself.
    /// </summary>
    public string StateTopic => InputKeying == InputKeying.Rekey ? RepartitionTopic : InputTopic;

    /// <summary>Consumer group; all hosts of one job share it.</summary>
    public string GroupId { get; init; } = "attribution";

    /// <summary>Identifies this host within the group; must be stable across restarts (it names the transactional id).</summary>
    public string HostId { get; init; } = DefaultHostId();

    /// <summary>The producer's <c>transactional.id</c>: a restarted host fences its own previous incarnation with it.</summary>
    public string TransactionalId => $"attribution-{GroupId}-{HostId}";

    /// <summary>Input wire format.</summary>
    public WireFormat InputFormat { get; init; } = WireFormat.Json;

    /// <summary>Output wire format.</summary>
    public WireFormat OutputFormat { get; init; } = WireFormat.Json;

    /// <summary>How often a transaction commits outputs and offsets (fixed rate; docs/CONFIGURATION.md says why 25 ms).</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Attribution rules (window, lateness, retention, history, record limit).</summary>
    public AttributionConfig Attribution { get; init; } = new();

    /// <summary>Shard threads of the engine.</summary>
    public int Shards { get; init; } = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));

    /// <summary>
    /// How far back (in event and record time) from the last committed input record the state of a newly
    /// assigned partition is rebuilt; null = twice the longer of window + lateness and conversion retention.
    /// </summary>
    public TimeSpan? RebuildLookback { get; init; }

    /// <summary>The lookback in force.</summary>
    public long EffectiveRebuildLookbackMs => RebuildLookback is { } l
        ? (long)l.TotalMilliseconds
        : 2 * Math.Max(Attribution.WindowMs + Attribution.AllowedLatenessMs, Attribution.EffectiveConversionRetentionMs);

    /// <summary>
    /// Cut-over start (Unix ms, Kafka record time): input partitions without a committed offset in the group start at the
    /// first record at or after it, their state rebuilt silently from the input before it; null = auto.offset.reset.
    /// </summary>
    public long? StartFromTimestampMs { get; init; }

    /// <summary>How long to wait for the cluster at start before giving up.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The producer's <c>transaction.timeout.ms</c>.</summary>
    public TimeSpan TransactionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Directory of the engine's state and snapshots; null = a temporary directory and no snapshots. With a
    /// directory, a restart resumes from the newest snapshot and replays only the input after it.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// A directory all hosts of the group share (a network file system): each partition's state is written there
    /// when the partition is given up and at every snapshot interval, and a host gaining the partition starts
    /// from it instead of re-reading the input. Null: partitions move by re-reading their input.
    /// </summary>
    public string? SharedStateDirectory { get; init; }

    /// <summary>The shared state file of a state partition (<see cref="StateTopic"/>).</summary>
    public string SharedStateFile(int partition)
        => Path.Combine(SharedStateDirectory ?? throw new InvalidOperationException("No shared state directory is configured."), GroupId, $"{StateTopic}-{partition}.state");

    /// <summary>How often a snapshot is taken (at a transaction boundary) when <see cref="StateDirectory"/> is set.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Port of the status page, the <c>/metrics</c> and health endpoints; 0 = off.</summary>
    public int MetricsPort { get; init; }

    /// <summary>Address the metrics endpoints listen on: loopback unless the operator widens it (0.0.0.0, ::, an interface's address).</summary>
    public System.Net.IPAddress MetricsAddress { get; init; } = System.Net.IPAddress.Loopback;

    /// <summary>Least severe log lines written (<c>--log-level</c>, <c>logging:level</c>); default information.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>How log lines are written (<c>--log-format</c>, <c>logging:format</c>); default text.</summary>
    public Observability.LogFormat LogFormat { get; init; } = Observability.LogFormat.Text;

    /// <summary>librdkafka properties (TLS, SASL, tuning): unprefixed for every client, <c>consumer.</c>/<c>producer.</c>/<c>admin.</c> for one (<see cref="Kafka.KafkaClientProperties"/>).</summary>
    public IReadOnlyDictionary<string, string> KafkaProperties { get; init; } = new Dictionary<string, string>();

    /// <summary>A command that prints an OAUTHBEARER token (<c>--oauthbearer-token-command</c>); null: librdkafka's own token handling.</summary>
    public string? OAuthBearerTokenCommand { get; init; }

    /// <summary>The engine settings of this run (several threads submit: the source and the transaction loop's flushes).</summary>
    /// <remarks>The engine's own periodic snapshots stay off: the host cuts snapshots itself, right after a commit.</remarks>
    public EngineOptions EngineOptions(Action<string>? logger = null) => State.ApplyTo(new EngineOptions
    {
        Attribution = Attribution,
        Shards = Shards,
        MultiProducer = true,
        Wait = WaitKind.Blocking,
        OutputFormat = OutputFormat,
        StateDirectory = StateDirectory,
        Logger = logger,
    });

    /// <summary>Memory, index size and expiry cadence of the state (null values: the engine's defaults).</summary>
    public Settings.StateSizing State { get; init; } = new();

    /// <summary>Settings of the transactional producer.</summary>
    public ProducerConfig ProducerConfig()
    {
        var config = new ProducerConfig(Pass(Kafka.KafkaClientKind.Producer))
        {
            BootstrapServers = BootstrapServers,
            TransactionalId = TransactionalId,
            EnableIdempotence = true,
            Acks = Acks.All,
            TransactionTimeoutMs = (int)TransactionTimeout.TotalMilliseconds,
            ClientId = ClientId(Kafka.KafkaClientKind.Producer, "producer", $"attribution-{HostId}"),
        };
        // Defaults chosen with bench kafka (docs/CONFIGURATION.md, "Kafka client defaults"); --kafka overrides each.
        config.LingerMs ??= 5; // outputs are streamed every 5 ms and the commit flushes: a longer linger only delays them
        // compression.type stays librdkafka's none: lz4 showed no gain here (docs); a network-bound cluster may set it.
        config.QueueBufferingMaxKbytes ??= 64 * 1024; // a bound sized to memory: many cycles of output at 400k events/s
        return config;
    }

    /// <summary>Settings of the group consumer of the input topic.</summary>
    public ConsumerConfig ConsumerConfig()
    {
        var config = new ConsumerConfig(Kafka.ConsumerDefaults.With(Pass(Kafka.KafkaClientKind.Consumer)))
        {
            BootstrapServers = BootstrapServers,
            GroupId = GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = false,
            ClientId = ClientId(Kafka.KafkaClientKind.Consumer, "consumer", $"attribution-{HostId}"),
        };
        config.PartitionAssignmentStrategy ??= PartitionAssignmentStrategy.CooperativeSticky;
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        return config;
    }

    /// <summary>Settings of the short-lived readers used by recovery (no group membership, no commits).</summary>
    public ConsumerConfig ReaderConfig()
    {
        var config = new ConsumerConfig(Kafka.ConsumerDefaults.With(Pass(Kafka.KafkaClientKind.Consumer)))
        {
            BootstrapServers = BootstrapServers,
            GroupId = GroupId + "-recovery",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnablePartitionEof = true,
            ClientId = ClientId(Kafka.KafkaClientKind.Consumer, "recovery", $"attribution-{HostId}-recovery"),
        };
        return config;
    }

    /// <summary>Settings of the admin client used for the start-up checks.</summary>
    public AdminClientConfig AdminConfig()
    {
        return new AdminClientConfig(Pass(Kafka.KafkaClientKind.Admin))
        {
            BootstrapServers = BootstrapServers,
            ClientId = ClientId(Kafka.KafkaClientKind.Admin, "admin", $"attribution-{HostId}-admin"),
        };
    }

    private Dictionary<string, string> Pass(Kafka.KafkaClientKind client) => Kafka.KafkaClientProperties.For(KafkaProperties, client);

    // The recovery readers are consumers too: a consumer.client.id names the group consumer, they get "<it>-recovery".
    private string ClientId(Kafka.KafkaClientKind client, string role, string fallback)
    {
        string id = Kafka.KafkaClientProperties.ClientId(KafkaProperties, client, role, fallback);
        return role == "recovery" && KafkaProperties.ContainsKey("consumer.client.id") ? id + "-recovery" : id;
    }

    /// <summary>The machine name in the characters a transactional id keeps readable.</summary>
    public static string DefaultHostId()
    {
        var name = Environment.MachineName;
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        return chars.Length == 0 ? "host" : new string(chars);
    }
}
