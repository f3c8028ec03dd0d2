using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Attribution.Testing.Kafka;

/// <summary>
/// An in-process Kafka-protocol cluster: librdkafka's mock cluster, started by P/Invoke. Its
/// brokers listen on real TCP ports on 127.0.0.1, so any Kafka client (Confluent.Kafka, kcat,
/// python confluent-kafka) can use <see cref="BootstrapServers"/>. It supports idempotent
/// producing, fetching, consumer groups with offset commits, and fault injection.
/// </summary>
/// <remarks>
/// <para>Limits of librdkafka 2.16's mock, pinned by tests: it is not durable; it trims each partition
/// to the newest 5 MiB or 100,000 message sets (hard-coded, not configurable); it answers the
/// transaction protocol but keeps no transaction state, so read_committed consumers also see
/// aborted and still-open transactional records, and offsets sent with
/// SendOffsetsToTransaction are dropped (plain offset commits are stored: <see cref="MockBrokerOffsets"/>); after a member leaves
/// a group, the group re-forms only after the last joiner's session.timeout.ms minus 1 s.</para>
/// <para>Thread rules: every member may be called from any thread. librdkafka hands each control
/// call to the cluster's own I/O thread and waits for it (or takes the cluster's mutex for error
/// stacks, request tracking and group settings), and this class also serialises calls with a
/// lock so that a call racing <see cref="Dispose"/> gets <see cref="ObjectDisposedException"/>
/// rather than touching freed memory. The cluster must be disposed: there is no finalizer,
/// because tearing it down joins native threads, which a finalizer thread must not do.</para>
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable
{
    /// <summary>Most brokers one cluster may have (each is a listening socket and a connection set).</summary>
    public const int MaxBrokers = 16;

    private const int ErrorBufferSize = 512;

    private static readonly (string Name, string Value)[] HostHandleSettings =
    [
        ("client.id", "attribution-embedded-broker"),
        ("log_level", "4"),
    ];

    private readonly Lock gate = new();
    private IntPtr handle;   // rd_kafka_t that owns the mock cluster's queues and timers
    private IntPtr cluster;  // rd_kafka_mock_cluster_t
    private bool disposed;

    /// <summary>Starts a cluster with <paramref name="brokerCount"/> brokers, ids 1..N.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The broker count is outside 1..<see cref="MaxBrokers"/>.</exception>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded.</exception>
    /// <exception cref="InvalidOperationException">librdkafka refused to create the handle or the brokers.</exception>
    public EmbeddedKafkaCluster(int brokerCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerCount, MaxBrokers);
        LibrdkafkaLibrary.EnsureBound();

        handle = CreateHostHandle();
        cluster = LibrdkafkaNative.rd_kafka_mock_cluster_new(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            LibrdkafkaNative.rd_kafka_destroy(handle);
            handle = IntPtr.Zero;
            throw new InvalidOperationException(
                $"librdkafka could not start {brokerCount} mock broker(s); opening listening sockets on 127.0.0.1 may have failed.");
        }

        var bootstraps = Marshal.PtrToStringUTF8(LibrdkafkaNative.rd_kafka_mock_cluster_bootstraps(cluster));
        if (string.IsNullOrEmpty(bootstraps))
        {
            DestroyNative();
            throw new InvalidOperationException("librdkafka started the mock cluster but reported no bootstrap address.");
        }

        BrokerCount = brokerCount;
        BootstrapServers = bootstraps;
    }

    /// <summary>Number of brokers; their ids are 1..<see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>Comma-separated <c>host:port</c> list for a client's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Creates a topic (the mock cluster has no CreateTopics admin API).</summary>
    /// <exception cref="ArgumentException">The name is not a legal Kafka topic name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    /// <exception cref="InvalidOperationException">The broker refused, e.g. the topic exists.</exception>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ValidateTopicName(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions, 100_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        lock (gate)
        {
            ThrowIfDisposed();
            Check(LibrdkafkaNative.rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor),
                $"create topic '{name}' with {partitions} partition(s)");
        }
    }

    /// <summary>Moves a partition's leadership to <paramref name="brokerId"/> (the topic is created if missing).</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ValidateTopicName(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ValidateBroker(brokerId);
        lock (gate)
        {
            ThrowIfDisposed();
            Check(LibrdkafkaNative.rd_kafka_mock_partition_set_leader(cluster, topic, partition, brokerId),
                $"make broker {brokerId} leader of {topic} [{partition}]");
        }
    }

    /// <summary>
    /// Makes a broker advertise <paramref name="host"/>:<paramref name="port"/> in metadata (it keeps listening where it
    /// does): clients that bootstrap anywhere then connect there, e.g. through a forwarder on a pinned port.
    /// </summary>
    public void AdvertiseBroker(int brokerId, string host, int port)
    {
        ValidateBroker(brokerId);
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        lock (gate)
        {
            ThrowIfDisposed();
            LibrdkafkaNative.rd_kafka_mock_broker_set_host_port(cluster, brokerId, host, port);
        }
    }

    /// <summary>Disconnects a broker's clients and refuses new connections (no leader change).</summary>
    public void SetBrokerDown(int brokerId)
    {
        ValidateBroker(brokerId);
        lock (gate)
        {
            ThrowIfDisposed();
            Check(LibrdkafkaNative.rd_kafka_mock_broker_set_down(cluster, brokerId), $"take broker {brokerId} down");
        }
    }

    /// <summary>Lets a broker accept connections again.</summary>
    public void SetBrokerUp(int brokerId)
    {
        ValidateBroker(brokerId);
        lock (gate)
        {
            ThrowIfDisposed();
            Check(LibrdkafkaNative.rd_kafka_mock_broker_set_up(cluster, brokerId), $"bring broker {brokerId} up");
        }
    }

    /// <summary>Delays every response of a broker by <paramref name="rttMs"/> milliseconds (0 restores).</summary>
    public void SetBrokerRtt(int brokerId, int rttMs)
    {
        ValidateBroker(brokerId);
        ArgumentOutOfRangeException.ThrowIfNegative(rttMs);
        lock (gate)
        {
            ThrowIfDisposed();
            Check(LibrdkafkaNative.rd_kafka_mock_broker_set_rtt(cluster, brokerId, rttMs),
                $"set broker {brokerId} round-trip time to {rttMs} ms");
        }
    }

    /// <summary>
    /// Makes the next <c>errors.Length</c> requests of <paramref name="apiKey"/>, to any broker,
    /// fail with these codes in order. <see cref="ErrorCode.Local_Transport"/> makes the broker
    /// drop the connection instead of answering.
    /// </summary>
    public unsafe void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Length == 0) throw new ArgumentException("At least one error code is required.", nameof(errors));
        var codes = new int[errors.Length];
        for (var i = 0; i < errors.Length; i++) codes[i] = (int)errors[i];
        lock (gate)
        {
            ThrowIfDisposed();
            fixed (int* p = codes)
            {
                LibrdkafkaNative.rd_kafka_mock_push_request_errors_array(cluster, (short)apiKey, (nuint)codes.Length, p);
            }
        }
    }

    /// <summary>Drops the errors still queued for <paramref name="apiKey"/> by <see cref="PushRequestErrors"/>.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        lock (gate)
        {
            ThrowIfDisposed();
            LibrdkafkaNative.rd_kafka_mock_clear_request_errors(cluster, (short)apiKey);
        }
    }

    /// <summary>Starts recording the requests the brokers receive (clearing earlier records).</summary>
    public void StartRequestTracking()
    {
        lock (gate)
        {
            ThrowIfDisposed();
            LibrdkafkaNative.rd_kafka_mock_start_request_tracking(cluster);
        }
    }

    /// <summary>Stops recording requests and clears the records.</summary>
    public void StopRequestTracking()
    {
        lock (gate)
        {
            ThrowIfDisposed();
            LibrdkafkaNative.rd_kafka_mock_stop_request_tracking(cluster);
        }
    }

    /// <summary>
    /// How many requests of <paramref name="apiKey"/> all brokers received since
    /// <see cref="StartRequestTracking"/>, failed ones included.
    /// </summary>
    public unsafe int CountRequests(KafkaApiKey apiKey)
    {
        lock (gate)
        {
            ThrowIfDisposed();
            nuint count = 0;
            var requests = LibrdkafkaNative.rd_kafka_mock_get_requests(cluster, &count);
            if (requests == null) return 0;
            var matching = 0;
            for (nuint i = 0; i < count; i++)
            {
                if (LibrdkafkaNative.rd_kafka_mock_request_api_key(requests[i]) == (short)apiKey) matching++;
            }
            LibrdkafkaNative.rd_kafka_mock_request_destroy_array(requests, count);
            return matching;
        }
    }

    /// <summary>
    /// Sets how long a new consumer group waits for more members before its first assignment
    /// (Kafka's <c>group.initial.rebalance.delay.ms</c>; librdkafka's mock defaults to 3000 ms).
    /// </summary>
    public void SetGroupInitialRebalanceDelay(int delayMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delayMs);
        lock (gate)
        {
            ThrowIfDisposed();
            LibrdkafkaNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, delayMs);
        }
    }

    /// <summary>Stops the brokers (clients see disconnects) and frees the native cluster; idempotent.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            DestroyNative();
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a legal Kafka topic name.</summary>
    public static void ValidateTopicName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TopicNameProblem(name) is { } problem) throw new ArgumentException(problem, nameof(name));
    }

    /// <summary>Why <paramref name="name"/> is not a legal Kafka topic name, or null (the host's KafkaTopicName rule; this project cannot reference the host).</summary>
    private static string? TopicNameProblem(string name)
    {
        // Kafka's own rule: 1..249 characters of [a-zA-Z0-9._-], and not "." or "..".
        if (name.Length is 0 or > 249 || name is "." or "..")
        {
            return $"topic name '{name}' must be 1 to 249 characters and not '.' or '..'.";
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"topic name '{name}' may only contain ASCII letters, digits, '.', '_' and '-'.";
            }
        }
        return null;
    }

    private static unsafe IntPtr CreateHostHandle()
    {
        var conf = LibrdkafkaNative.rd_kafka_conf_new();
        if (conf == IntPtr.Zero) throw new InvalidOperationException("librdkafka could not allocate a configuration object.");

        var errors = stackalloc byte[ErrorBufferSize];
        // The handle only hosts the mock cluster and never connects anywhere itself; log level 4
        // keeps warnings and errors but drops its notice that no bootstrap.servers is set.
        foreach (var (name, value) in HostHandleSettings)
        {
            if (LibrdkafkaNative.rd_kafka_conf_set(conf, name, value, errors, ErrorBufferSize) != LibrdkafkaNative.ConfOk)
            {
                var text = Marshal.PtrToStringUTF8((IntPtr)errors);
                LibrdkafkaNative.rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException($"librdkafka rejected the embedded broker's setting {name}={value}: {text}");
            }
        }

        // rd_kafka_new takes ownership of conf only when it succeeds.
        var rk = LibrdkafkaNative.rd_kafka_new(LibrdkafkaNative.ProducerType, conf, errors, ErrorBufferSize);
        if (rk == IntPtr.Zero)
        {
            var text = Marshal.PtrToStringUTF8((IntPtr)errors);
            LibrdkafkaNative.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"librdkafka could not create the handle that hosts the embedded broker: {text}");
        }
        return rk;
    }

    // The cluster first: it runs on the handle's queues and timers, and destroying it joins its
    // thread; only then may the handle go.
    private void DestroyNative()
    {
        if (cluster != IntPtr.Zero)
        {
            LibrdkafkaNative.rd_kafka_mock_cluster_destroy(cluster);
            cluster = IntPtr.Zero;
        }
        if (handle != IntPtr.Zero)
        {
            LibrdkafkaNative.rd_kafka_destroy(handle);
            handle = IntPtr.Zero;
        }
    }

    private void ValidateBroker(int brokerId)
    {
        if (brokerId < 1 || brokerId > BrokerCount)
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids of this cluster are 1 to {BrokerCount}.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    private static void Check(int err, string action)
    {
        if (err != 0)
        {
            throw new InvalidOperationException(
                $"The embedded broker could not {action}: {LibrdkafkaNative.ErrorText(err)} ({(ErrorCode)err}).");
        }
    }
}
