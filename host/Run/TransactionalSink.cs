using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text;
using Attribution.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The transactional producer of the host: one call to <see cref="Commit"/> produces a batch of
/// attributions (keyed by user_id, header src: the input coordinates) and dead letters (headers reason,
/// source-topic, source-partition, source-offset) and commits them with the input offsets in one Kafka
/// transaction. Retriable errors are retried, abortable ones abort (the caller then redoes the work
/// from the committed offsets), fatal ones (fenced, …) throw <see cref="FatalPipelineException"/>.
/// Owned by the <see cref="TransactionLoop"/>: one thread calls it.
/// </summary>
internal sealed class TransactionalSink : IDisposable
{
    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly IKafkaSupplier _kafka;
    private readonly PipelineStats _stats;
    private readonly Action<Error> _onError;
    private readonly TimeSpan _apiTimeout;
    private readonly TimeSpan _apiWatchdog;
    // One header value, reused: librdkafka copies it at produce, so each record only rewrites the 12 bytes.
    private readonly byte[] _coordinates = new byte[RunHeaders.CoordinatesLength];
    private GuardedCaller _caller = new();
    private readonly byte[] _stateTopic;
    private readonly TopicPartition _deadLetterTopic;
    private IProducer<byte[], byte[]> _producer;
    // Outputs and copies go through librdkafka's produce on _producer's own handle (no allocation per record);
    // dead letters, rare, through Confluent.Kafka's Produce. Both are replaced together.
    private NativeProducer _native;
    private IntPtr _outputRkt;
    private IntPtr _repartitionRkt;
    private bool _stuckCaller; // the current producer is still inside a call that did not return: its caller disposes it

    /// <summary>Builds the producer (no connection yet). <paramref name="onError"/> sees the client's error events.</summary>
    /// <exception cref="ArgumentException">librdkafka rejected a setting.</exception>
    public TransactionalSink(RunOptions options, RunLog log, PipelineStats stats, IKafkaSupplier kafka, Action<Error> onError)
    {
        _options = options;
        _log = log;
        _kafka = kafka;
        _stats = stats;
        _onError = onError;
        // Each transactional call gets a quarter of the transaction timeout; a call still blocked well past
        // its own timeout is a stuck producer (see Guarded).
        _apiTimeout = ApiTimeout(options);
        _apiWatchdog = Watchdog(options);
        _stateTopic = Encoding.UTF8.GetBytes(options.StateTopic);
        _deadLetterTopic = new TopicPartition(options.DeadLetterTopic, Partition.Any);
        Build();
    }

    /// <summary>How long a commit waits for its records' delivery in 1 ms steps before leaving the rest to librdkafka's commit.</summary>
    private static readonly TimeSpan DeliveryWait = TimeSpan.FromSeconds(1);

    /// <summary>How long one transactional call may take: a quarter of the transaction timeout, within 2 to 30 s.</summary>
    public static TimeSpan ApiTimeout(RunOptions options) => TimeSpan.FromMilliseconds(Math.Clamp(options.TransactionTimeout.TotalMilliseconds / 4, 2_000, 30_000));

    /// <summary>How long a blocking client call is waited for before it counts as stuck.</summary>
    public static TimeSpan Watchdog(RunOptions options) => ApiTimeout(options) * 1.5 + TimeSpan.FromSeconds(1);

    /// <summary>How a transaction ended.</summary>
    public enum Outcome
    {
        /// <summary>Committed: outputs visible to read_committed consumers, offsets stored.</summary>
        Committed,
        /// <summary>Aborted (or the producer was replaced): the work must be redone from the committed offsets.</summary>
        Aborted,
        /// <summary>Produced into the open transaction, which a later <see cref="Commit"/> commits.</summary>
        Open,
    }

    /// <summary>Whether a transaction is open: records were streamed into it since the last commit or abort.</summary>
    public bool InTransaction { get; private set; }

    /// <summary>
    /// Produces attributions and re-keyed copies into the open transaction (begun here if none is) as they appear
    /// between cycles, so librdkafka sends them while the interval runs and the commit only has the rest to send.
    /// </summary>
    /// <exception cref="FatalPipelineException">The producer is fenced or failed fatally.</exception>
    public Outcome Stream(PendingOutputs outputs, PendingOutputs? rekeyed)
    {
        var producer = _producer;
        try
        {
            Begin(producer);
            ProduceOutputs(producer, outputs);
            if (rekeyed is not null && rekeyed.Count > 0)
            {
                ProduceRekeyed(producer, rekeyed);
            }
            return Outcome.Open;
        }
        catch (KafkaException e) when (!IsFatal(e))
        {
            _log.Warn("transaction", $"aborting code={e.Error.Code} reason=\"{e.Error.Reason}\"");
            Abort(producer);
            return Outcome.Aborted;
        }
        catch (KafkaException e)
        {
            throw Fatal(e);
        }
    }

    /// <summary>Aborts the open transaction, if any (its work is discarded by a rewind).</summary>
    /// <exception cref="FatalPipelineException">The producer is fenced or failed fatally.</exception>
    public void AbortOpen()
    {
        if (InTransaction)
        {
            Abort(_producer);
        }
    }

    private void Begin(IProducer<byte[], byte[]> producer)
    {
        if (!InTransaction)
        {
            producer.BeginTransaction();
            InTransaction = true;
        }
    }

    /// <summary>Registers the transactional id, fencing an earlier producer with it; null when done, else one sentence.</summary>
    public string? Initialize()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _producer.InitTransactions(_options.StartupTimeout);
                return null;
            }
            catch (KafkaException e) when (!e.Error.IsFatal && clock.Elapsed < _options.StartupTimeout)
            {
                _log.Warn("producer", $"init_transactions_retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(200);
            }
            catch (KafkaException e)
            {
                return $"The transactional producer '{_options.TransactionalId}' could not start: {Sentences.First(e.Error.Reason)}.";
            }
        }
    }

    /// <summary>Produces and commits one transaction, with the re-key stage's copies of input records (<paramref name="rekeyed"/>, may be null).</summary>
    /// <exception cref="FatalPipelineException">The producer is fenced or failed fatally.</exception>
    public Outcome Commit(PendingOutputs outputs, List<DeadLetter> letters, List<TopicPartitionOffset> offsets, PendingOutputs? rekeyed, IConsumerGroupMetadata group)
    {
        var producer = _producer;
        try
        {
            Begin(producer);
            ProduceOutputs(producer, outputs);
            if (rekeyed is not null && rekeyed.Count > 0)
            {
                ProduceRekeyed(producer, rekeyed);
            }
            foreach (var d in letters)
            {
                var headers = new Headers
                {
                    { RunHeaders.Reason, Encoding.ASCII.GetBytes(d.Reason) },
                    { RunHeaders.DeadLetterTopic, d.Topic is null ? _stateTopic : Encoding.UTF8.GetBytes(d.Topic) },
                    { RunHeaders.DeadLetterPartition, RunHeaders.Text(d.Partition) },
                    { RunHeaders.DeadLetterOffset, RunHeaders.Text(d.Offset) },
                };
                if (d.Truncated)
                {
                    headers.Add(RunHeaders.OriginalValueBytes, RunHeaders.Text(d.OriginalValueBytes));
                }
                if (d.Field is not null)
                {
                    headers.Add(RunHeaders.Field, Encoding.ASCII.GetBytes(d.Field));
                }
                if (d.Input.Partition >= 0)
                {
                    headers.Add(RunHeaders.InputPartition, RunHeaders.Text(d.Input.Partition));
                    headers.Add(RunHeaders.InputOffset, RunHeaders.Text(d.Input.Offset));
                }
                Produce(producer, _deadLetterTopic, new Message<byte[], byte[]> { Key = d.Key!, Value = d.Value!, Headers = headers });
            }
            if (offsets.Count > 0)
            {
                Retry("send_offsets", () => Guarded("send_offsets", () => producer.SendOffsetsToTransaction(offsets, group, _apiTimeout)));
            }
            // Delivery first, in short steps (see NativeProducer.WaitDelivered); the commit's own flush then finds nothing
            // outstanding. Past DeliveryWait that flush waits for the rest and reports a timeout or a failed delivery.
            _native.WaitDelivered(DeliveryWait);
            Retry("commit", () => Guarded("commit", () => producer.CommitTransaction(_apiTimeout)));
            InTransaction = false;
            return Outcome.Committed;
        }
        catch (StuckCallException)
        {
            Replace(producer);
            return Outcome.Aborted;
        }
        catch (KafkaException e) when (!IsFatal(e))
        {
            _log.Warn("transaction", $"aborting code={e.Error.Code} reason=\"{e.Error.Reason}\"");
            Abort(producer);
            return Outcome.Aborted;
        }
        catch (KafkaException e)
        {
            throw Fatal(e);
        }
    }

    /// <summary>Produces attributions into the open transaction, each with its conversion's input coordinates (header <see cref="RunHeaders.Source"/>).</summary>
    private void ProduceOutputs(IProducer<byte[], byte[]> producer, PendingOutputs outputs)
    {
        for (int i = 0; i < outputs.Count; i++)
        {
            ref readonly PendingOutput o = ref outputs[i];
            RunHeaders.WriteCoordinates(o.Partition, o.Offset, _coordinates);
            // Partition -1: the producer's partitioner picks (by key); timestamp 0: the time of producing.
            Produce(producer, _outputRkt != IntPtr.Zero ? _outputRkt : _outputRkt = _native.Topic(_options.OutputTopic), -1, outputs.Key(in o), outputs.Value(in o), 0, RunHeaders.SourceZ);
        }
    }

    // Each copy: key = user id, the input's value bytes and Kafka time, header input = its input coordinates (recovery reads them back).
    private void ProduceRekeyed(IProducer<byte[], byte[]> producer, PendingOutputs rekeyed)
    {
        for (int i = 0; i < rekeyed.Count; i++)
        {
            ref readonly PendingOutput r = ref rekeyed[i];
            RunHeaders.WriteCoordinates(r.Partition, r.Offset, _coordinates);
            Produce(producer, _repartitionRkt != IntPtr.Zero ? _repartitionRkt : _repartitionRkt = _native.Topic(_options.RepartitionTopic), r.Target, rekeyed.Key(in r), rekeyed.Value(in r), r.Timestamp, RunHeaders.InputZ);
        }
    }

    /// <summary>
    /// Runs a blocking client call on the caller thread (<see cref="GuardedCaller"/>) and waits at most the watchdog time.
    /// librdkafka's send_offsets_to_transaction can block past its own timeout when the group coordinator
    /// it cached went away (confluentinc/librdkafka#5456, #5511; seen here after the embedded broker went
    /// down and up): such a producer is abandoned and replaced rather than waited for forever.
    /// </summary>
    /// <exception cref="StuckCallException">The call did not return in time (it goes on in the background).</exception>
    private void Guarded(string what, Action call)
    {
        var stuck = _producer;
        if (!_caller.TryCall(call, _apiWatchdog, () => stuck.Dispose()))
        {
            _log.Warn("transaction", $"stuck call={what} waited_ms={(long)_apiWatchdog.TotalMilliseconds}");
            _stuckCaller = true;
            _caller = new GuardedCaller();
            throw new StuckCallException();
        }
    }

    /// <summary>A blocking call that did not return within the watchdog time.</summary>
    private sealed class StuckCallException : Exception;

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_producer), nameof(_native))]
    private void Build()
    {
        var config = _options.ProducerConfig();
        // Failures surface at CommitTransaction. Without reports Confluent.Kafka registers no delivery callback, so the
        // records produced natively (with no opaque) never reach it either.
        config.EnableDeliveryReports = false;
        _producer = _kafka.GetProducer(new ProducerBuilder<byte[], byte[]>(config)
            .WithHostHooks(_options, _log, _stats.Metrics)
            .SetErrorHandler((_, e) => _onError(e)));
        _native = new NativeProducer(_producer);
        _outputRkt = _repartitionRkt = IntPtr.Zero; // taken at first use: a topic handle makes librdkafka ask for the topic's metadata
    }

    private void Produce(IProducer<byte[], byte[]> producer, IntPtr topic, int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long timestamp, ReadOnlySpan<byte> headerZ)
    {
        while (!_native.TryProduce(topic, partition, key, value, timestamp, headerZ, _coordinates))
        {
            producer.Poll(TimeSpan.FromMilliseconds(10)); // librdkafka's queue is full: let it send
        }
    }

    private static void Produce(IProducer<byte[], byte[]> producer, TopicPartition partition, Message<byte[], byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(partition, message);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10)); // librdkafka's queue is full: let it send
            }
        }
    }

    private void Retry(string what, Action call)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                call();
                return;
            }
            catch (KafkaRetriableException e) when (clock.Elapsed < _options.TransactionTimeout)
            {
                _log.Warn("transaction", $"{what}_retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(100);
            }
        }
    }

    private void Abort(IProducer<byte[], byte[]> producer)
    {
        InTransaction = false; // aborted, or ended by the producer that replaces this one
        _stats.RecordAbort();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Guarded("abort", () => producer.AbortTransaction(_apiTimeout));
                return;
            }
            catch (StuckCallException)
            {
                Replace(producer);
                return;
            }
            catch (KafkaException e) when (!IsFatal(e) && clock.Elapsed < _options.TransactionTimeout)
            {
                _log.Warn("transaction", $"abort_retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(100);
            }
            catch (KafkaException e) when (!IsFatal(e))
            {
                // Still refused after the transaction timeout, e.g. Local_Conflict while a timed-out commit goes on in
                // librdkafka (found by the chaos loop, seed 252268951): the producer is not broken, its transaction is
                // stuck. A new producer with the same transactional id fences it and ends its transaction; the caller
                // rewinds to the committed offsets either way.
                _log.Warn("transaction", $"abort_gave_up code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Replace(producer);
                return;
            }
            catch (KafkaException e)
            {
                throw Fatal(e);
            }
        }
    }

    /// <summary>Abandons a producer stuck in a call and starts a new one with the same transactional id (which fences the old one).</summary>
    private void Replace(IProducer<byte[], byte[]> stuck)
    {
        InTransaction = false;
        _stats.RecordAbort();
        // The stuck call still uses the old producer: its abandoned caller disposes it once that call returns, if ever.
        _native.Dispose();
        if (!_stuckCaller)
        {
            stuck.Dispose();
        }
        _stuckCaller = false;
        Build();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _producer.InitTransactions(_apiTimeout);
                break;
            }
            catch (KafkaException e) when (!IsFatal(e) && clock.Elapsed < _options.TransactionTimeout)
            {
                _log.Warn("producer", $"init_transactions_retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(200);
            }
            catch (KafkaException e)
            {
                throw Fatal(e);
            }
        }
        _log.Warn("producer", "replaced");
    }

    private static bool IsFatal(KafkaException e) =>
        e.Error.IsFatal || e.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced
            or ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.Local_Fatal;

    private FatalPipelineException Fatal(KafkaException e)
    {
        _log.Error("transaction", $"code={e.Error.Code} reason=\"{e.Error.Reason}\"");
        return new FatalPipelineException(FatalSentence(e.Error, "transactional producer"));
    }

    /// <summary>Whether an error means another producer with the same transactional id took over.</summary>
    public static bool IsFenced(Error e) =>
        e.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced
        || e.Reason.Contains("fenced", StringComparison.OrdinalIgnoreCase);

    /// <summary>The operator's sentence for a fatal client error.</summary>
    public string FatalSentence(Error e, string client) => IsFenced(e)
        ? $"The producer was fenced: another host started with transactional.id '{_options.TransactionalId}' (is host-id unique?)."
        : $"The Kafka {client} failed fatally: {Sentences.First(e.Reason)}.";

    /// <inheritdoc/>
    public void Dispose()
    {
        _caller.Dispose();
        _native.Dispose();
        if (!_stuckCaller)
        {
            _producer.Dispose();
        }
    }
}
