using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The Kafka host, composed of roles that each own their state (docs/ARCHITECTURE.md): the
/// <see cref="SourceLoop"/> consumes on the calling thread and feeds the engine; the <see cref="TransactionLoop"/>
/// commits, on its own thread, one Kafka transaction per <see cref="RunOptions.CommitInterval"/> holding the
/// attributions, the dead letters and the input offsets whose work they complete; the <see cref="PartitionTable"/>
/// owns per-partition resume state; the <see cref="RebalanceHandler"/> delegates rebalances to them.
/// </summary>
/// <remarks>Recovery on assignment: <see cref="RecoveryPlanner"/>. Revoked partitions commit their in-flight
/// work first; lost partitions and aborted transactions rewind every owned partition to its committed offset
/// (state dropped, rebuilt from input). A fenced or fatal producer stops the run.</remarks>
public sealed class KafkaPipeline : IDisposable, Observability.IPipelineFigures
{
    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly IKafkaSupplier _kafka;
    private readonly RunState _state = new();
    private readonly DeadLetterQueue _deadLetters = new();
    private readonly PartitionTable _table;
    private readonly OutputCollector _collector;
    private readonly PipelineObserver _observer;
    private readonly RawValueDeserializer _keys = new();
    private readonly RawValueDeserializer _values = new();
    private readonly MisKeyedReport _misKeyed;
    private readonly RecoveryPlanner _planner;
    private Repartitioner? _repartitioner;
    private AttributionEngine? _engine;
    private TransactionalSink? _sink;
    private IConsumer<RawValue, RawValue>? _consumer;
    private TransactionLoop? _transactions;
    private RebalanceHandler? _rebalance;

    /// <summary>Creates a pipeline (nothing connects until <see cref="Run"/>); <paramref name="kafka"/> supplies the clients (default: <see cref="KafkaSupplier.Default"/>).</summary>
    public KafkaPipeline(RunOptions options, RunLog log, PipelineStats? stats = null, IKafkaSupplier? kafka = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        _options = options;
        _log = log;
        _kafka = kafka ?? KafkaSupplier.Default;
        Stats = stats ?? new PipelineStats();
        _table = new PartitionTable(options, log, Stats, _deadLetters, _state);
        _collector = new OutputCollector(_table.Slots, Stats);
        _observer = new PipelineObserver(options, log, Stats);
        _misKeyed = new MisKeyedReport(log, Stats.Metrics, options.InputKeying.ToString().ToLowerInvariant(), 1);
        _planner = new RecoveryPlanner(options, log, _kafka);
    }

    /// <summary>Input records whose partition was not their user id's under the input partitioner (counted in every mode).</summary>
    public long MisKeyed => _misKeyed.Total;

    /// <summary>Input records (offsets) of input partitions 0 to <paramref name="partitions"/> − 1 whose processing is committed, summed.</summary>
    public long CommittedInput(int partitions)
    {
        long sum = 0;
        for (int p = 0; p < partitions; p++)
        {
            sum += Math.Max(0, _repartitioner is { } r ? r.CommittedOffset(p) : _table.CommittedOffset(p));
        }
        return sum;
    }

    /// <summary>
    /// Whether everything up to <paramref name="inputEnds"/> (per input partition) is committed: the input offsets and,
    /// when re-keying, every repartition record those produced (checked against the repartition topic's end).
    /// </summary>
    public bool Drained(long[] inputEnds)
    {
        for (int p = 0; p < inputEnds.Length; p++)
        {
            long committed = _repartitioner is { } r ? r.CommittedOffset(p) : _table.CommittedOffset(p);
            if (inputEnds[p] > 0 && committed < inputEnds[p])
            {
                return false;
            }
        }
        if (_repartitioner is null || _consumer is not { } consumer)
        {
            return true;
        }
        foreach (var slot in _table.Owned())
        {
            // Transaction markers take offsets too: the consumer's position, not the last record, reaches the end.
            var tp = new TopicPartition(_options.StateTopic, slot.Partition);
            var marks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5));
            if (slot.Committed < slot.ConsumedNext || PipelineObserver.PositionOf(consumer, tp) < marks.High.Value)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Live figures.</summary>
    public PipelineStats Stats { get; }

    /// <summary>The engine once started (for its counters), else null.</summary>
    public AttributionEngine? Engine => _engine;

    /// <summary>The one-sentence reason the run stopped with an error, or null.</summary>
    public string? FatalError => _state.Fatal;

    /// <summary>Set once the consumer has joined and the transactional producer is ready.</summary>
    public ManualResetEventSlim Ready { get; } = new(false);

    /// <inheritdoc/>
    public bool Joined => _state.Joined;

    /// <inheritdoc/>
    public IReadOnlyList<Observability.PartitionFigures> Partitions() => Observability.PartitionFigures.Read(_table, Stats, _engine);

    /// <summary>Offset committed last for an owned partition (the next to read after a restart), or -1.</summary>
    public long CommittedOffset(int partition) => _table.CommittedOffset(partition);

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled (then commits what is done and leaves the group)
    /// or a fatal error. Returns 0 after a clean stop, 1 after a failure (see <see cref="FatalError"/>),
    /// 2 when librdkafka rejected the configuration.
    /// </summary>
    public int Run(CancellationToken stop)
    {
        try
        {
            // First: the engine takes the state directory's lock, so a second host on it stops before it
            // touches Kafka (its transactional producer would fence the first one) or the directory.
            if (OpenEngine() is { } engineProblem)
            {
                return Fail(engineProblem.Sentence, engineProblem.Code);
            }
            var engine = _engine!;
            if (BuildClients(engine) is { } configProblem)
            {
                return Fail(configProblem, 2);
            }
            TopicLayout layout = new(1, 1);
            if ((StartupProbes.CheckCluster(_options, _kafka) ?? _sink!.Initialize() ?? StartupProbes.CheckSharedStateDirectory(_options)
                ?? StartupProbes.PrepareTopics(_options, _kafka, out layout)) is { } problem)
            {
                return Fail(problem, 1);
            }
            _repartitioner?.SetLayout(layout);
            IUserPlacement? placement = _options.InputKeying == InputKeying.Rekey ? null : new InputPlacement(_options.InputPartitioner, layout.InputPartitions);
            var consumer = _consumer!;
            var transactions = _transactions!;
            var snapshots = new SnapshotScheduler(_options, _log, Stats, engine, _table, transactions, _state);
            using var control = ControlEndpoint.TryStart(_options, _log, snapshots); // attribution snapshot trigger
            var source = new SourceLoop(_options, _log, Stats, engine, _table, _deadLetters, transactions, snapshots, _observer, _state, _rebalance!,
                _repartitioner, _misKeyed, placement);
            if (_repartitioner is not null)
            {
                consumer.Subscribe([_options.InputTopic, _options.RepartitionTopic]);
            }
            else
            {
                consumer.Subscribe(_options.InputTopic);
            }
            _log.Info("run", $"started group={_options.GroupId} transactional_id={_options.TransactionalId} input={_options.InputTopic} output={_options.OutputTopic} shards={_options.Shards} " +
                $"input_keying={_options.InputKeying.ToString().ToLowerInvariant()} input_partitions={layout.InputPartitions}" +
                (_repartitioner is null ? "" : $" repartition_topic={_options.RepartitionTopic} state_partitions={layout.StatePartitions}"));
            _observer.StartStallReports();
            transactions.Start(consumer);
            source.Run(consumer, Ready, stop, _kafka.BeforePoll);
            return Shutdown();
        }
        catch (FatalPipelineException e)
        {
            _state.Fail(e.Message);
            Shutdown();
            return 1;
        }
        catch (ShardFailedException e)
        {
            // Met outside a cycle or a submit (a rewind, a rebalance, a snapshot): the same stop.
            _state.Fail(TransactionLoop.Stopped(e).Message);
            Shutdown();
            return 1;
        }
    }

    private int Fail(string sentence, int code)
    {
        _state.Fail(sentence);
        _log.Error("run", $"message=\"{sentence}\"");
        return code;
    }

    private (int Code, string Sentence)? OpenEngine()
    {
        try
        {
            _engine = AttributionEngine.Open(_options.EngineOptions(m => _log.Info("engine", $"message=\"{m}\"")), _collector);
        }
        catch (SnapshotMismatchException e)
        {
            return (2, e.Message);
        }
        catch (StateDirectoryInUseException e)
        {
            return (1, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (1, $"The state directory '{_options.StateDirectory}' cannot be used: {Sentences.First(e.Message)}.");
        }
        _table.Attach(_engine, _planner, _observer);
        return null;
    }

    private string? BuildClients(AttributionEngine engine)
    {
        try
        {
            _sink = new TransactionalSink(_options, _log, Stats, _kafka, e => OnClientError("producer", e));
            _repartitioner = _options.InputKeying == InputKeying.Rekey ? new Repartitioner(_options, Stats, engine, new DeadLetterQueue(), _misKeyed) : null;
            _transactions = new TransactionLoop(_options, _log, engine, _sink, _collector, _deadLetters, _table, _observer, Stats, _state, _repartitioner, _planner);
            var rebalance = _rebalance = new RebalanceHandler(_options, _log, _transactions, _table, _observer, _state, _repartitioner);
            _consumer = _kafka.GetConsumer(new ConsumerBuilder<RawValue, RawValue>(_options.ConsumerConfig())
                .SetKeyDeserializer(_keys)
                .SetValueDeserializer(_values)
                .WithHostHooks(_options, _log, Stats.Metrics)
                .SetErrorHandler((_, e) => OnClientError("consumer", e))
                .SetPartitionsAssignedHandler(rebalance.OnAssigned)
                .SetPartitionsRevokedHandler(rebalance.OnRevoked)
                .SetPartitionsLostHandler(rebalance.OnLost));
            return null;
        }
        catch (Exception e) when (e is ArgumentException or KafkaException or InvalidOperationException)
        {
            return $"librdkafka rejected the Kafka settings: {Sentences.First(e.Message)}.";
        }
    }

    // On librdkafka's threads: a fatal client error stops the run at the next poll or cycle.
    private void OnClientError(string client, Error e)
    {
        if (e.IsFatal)
        {
            _state.Fail(_sink?.FatalSentence(e, client) ?? $"The Kafka {client} failed fatally: {Sentences.First(e.Reason)}.");
            _log.Error(client, $"code={e.Code} fatal=true reason=\"{e.Reason}\"");
        }
        else
        {
            _log.Warn(client, $"code={e.Code} reason=\"{e.Reason}\"");
        }
    }

    private int Shutdown()
    {
        _state.Stop();
        _observer.Source.Enter("shutdown");
        if (!_state.Failed && _consumer is not null && _transactions is { } transactions)
        {
            try
            {
                transactions.Invoke(transactions.Cycle); // the work done so far
            }
            catch (FatalPipelineException e)
            {
                _state.Fail(e.Message);
            }
        }
        if (_consumer is not null && !_state.Failed)
        {
            try
            {
                _consumer.Close(); // leave the group now rather than after the session timeout (the revocation commits on the loop)
            }
            catch (KafkaException e)
            {
                _log.Warn("consumer", $"close_failed reason=\"{e.Error.Reason}\"");
            }
        }
        _transactions?.Stop();
        if (_state.Fatal is { } fatal)
        {
            _log.Error("run", $"stopped message=\"{fatal}\"");
            return 1;
        }
        _log.Info("run", $"stopped consumed={Stats.Consumed} produced={Stats.Produced} dead_letters={Stats.DeadLetters} commits={Stats.Commits} aborts={Stats.Aborts} " +
            $"miskeyed={_misKeyed.Total} input_keying={_options.InputKeying.ToString().ToLowerInvariant()}" + (_repartitioner is null ? "" : $" rekeyed={Stats.Forwarded}"));
        return 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _observer.Dispose();
        _transactions?.Dispose();
        _consumer?.Dispose();
        _sink?.Dispose();
        _engine?.Dispose();
        Ready.Dispose();
    }
}
