using System.Diagnostics;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The Kafka host: a group consumer of the input topic feeds the engine on this (the source) thread;
/// a transaction loop on its own thread commits, once per <see cref="RunOptions.CommitInterval"/>,
/// one Kafka transaction holding the attributions (keyed by user_id, headers src-partition/src-offset),
/// the dead letters and the input offsets whose work they complete (SendOffsetsToTransaction, then the
/// same offsets with a plain commit, which librdkafka's mock broker needs and real Kafka ignores).
/// </summary>
/// <remarks>
/// <para>Which offsets a transaction may commit: the transaction loop reads each partition's consumed
/// position, then flushes the engine (a command through the ring, so every event submitted before it
/// is applied and its outputs delivered), then takes the delivered outputs. Offsets up to the position
/// read are complete; an output at a later offset also proves everything of its partition before it
/// complete (a partition lives on one shard, which applies and delivers in order).</para>
/// <para>Recovery on assignment is in <see cref="RecoveryPlanner"/>. Revoked partitions commit their
/// in-flight work first; lost partitions and aborted transactions rewind every owned partition to its
/// committed offset (state dropped, rebuilt from input). A fenced or fatal producer stops the run.</para>
/// </remarks>
public sealed class KafkaPipeline : IDisposable
{
    private static readonly TimeSpan EngineTimeout = TimeSpan.FromSeconds(60);

    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly PartitionDirectory _partitions = new();
    private readonly DeadLetterQueue _deadLetters = new();
    private readonly OutputCollector _collector;
    private readonly RecoveryPlanner _planner;
    private readonly object _cycleLock = new();
    private readonly RawValueDeserializer _keys = new();
    private readonly RawValueDeserializer _values = new();
    private readonly ExactArrays _keyArrays = new(512);
    private readonly ExactArrays _valueArrays = new(16 * 1024);
    private readonly List<PartitionSlot> _owned = new();
    private readonly ManualResetEventSlim _cycleWake = new(false);
    private long[] _commitPoints = new long[64];
    private long[] _latencies = new long[1024];
    private AttributionEngine? _engine;
    private IProducer<byte[], byte[]>? _producer;
    private IConsumer<RawValue, RawValue>? _consumer;
    private Thread? _cycleThread;
    private volatile bool _rewindRequested;
    private volatile bool _stopping;
    private volatile string? _fatal;
    private long _faultsSeen;
    private readonly TimeSpan _apiTimeout;
    private readonly TimeSpan _apiWatchdog;

    /// <summary>Creates a pipeline (nothing connects until <see cref="Run"/>).</summary>
    public KafkaPipeline(RunOptions options, RunLog log, PipelineStats? stats = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        _options = options;
        _log = log;
        Stats = stats ?? new PipelineStats();
        _collector = new OutputCollector(_partitions, Stats);
        _planner = new RecoveryPlanner(options, log);
        // Each transactional call gets a quarter of the transaction timeout; a call still blocked well past
        // its own timeout is a stuck producer (see Guarded).
        _apiTimeout = TimeSpan.FromMilliseconds(Math.Clamp(options.TransactionTimeout.TotalMilliseconds / 4, 2_000, 30_000));
        _apiWatchdog = _apiTimeout * 1.5 + TimeSpan.FromSeconds(1);
    }

    /// <summary>Live figures.</summary>
    public PipelineStats Stats { get; }

    /// <summary>The engine once started (for its counters), else null.</summary>
    public AttributionEngine? Engine => _engine;

    /// <summary>The one-sentence reason the run stopped with an error, or null.</summary>
    public string? FatalError => _fatal;

    /// <summary>Set once the consumer has joined and the transactional producer is ready.</summary>
    public ManualResetEventSlim Ready { get; } = new(false);

    /// <summary>Offset committed last for an owned partition (the next to read after a restart), or -1.</summary>
    public long CommittedOffset(int partition) => _partitions.Get(partition) is { Owned: true } s ? s.Committed : -1;

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled (then commits what is done and leaves the group)
    /// or a fatal error. Returns 0 after a clean stop, 1 after a failure (see <see cref="FatalError"/>),
    /// 2 when librdkafka rejected the configuration.
    /// </summary>
    public int Run(CancellationToken stop)
    {
        try
        {
            if (BuildClients() is { } configProblem)
            {
                _fatal = configProblem;
                _log.Error("run", $"message=\"{configProblem}\"");
                return 2;
            }
            if (CheckCluster() is { } clusterProblem)
            {
                return Fail(clusterProblem);
            }
            if (InitTransactions() is { } txnProblem)
            {
                return Fail(txnProblem);
            }
            _engine = new AttributionEngine(_options.EngineOptions(), _collector);
            _consumer!.Subscribe(_options.InputTopic);
            _log.Info("run", $"started group={_options.GroupId} transactional_id={_options.TransactionalId} input={_options.InputTopic} output={_options.OutputTopic} shards={_options.Shards}");
            _cycleThread = new Thread(CycleLoop) { Name = "attribution-transactions", IsBackground = true };
            _cycleThread.Start();
            ConsumeLoop(stop);
            return Shutdown();
        }
        catch (FatalPipelineException e)
        {
            _fatal ??= e.Message;
            Shutdown();
            return 1;
        }
    }

    private int Fail(string sentence)
    {
        _fatal = sentence;
        _log.Error("run", $"message=\"{sentence}\"");
        return 1;
    }

    private IProducer<byte[], byte[]> BuildProducer()
    {
        var producerConfig = _options.ProducerConfig();
        producerConfig.EnableDeliveryReports = false; // failures surface at CommitTransaction
        return new ProducerBuilder<byte[], byte[]>(producerConfig)
            .SetLogHandler((_, m) => _log.Kafka(m))
            .SetErrorHandler((_, e) => OnClientError("producer", e))
            .Build();
    }

    private string? BuildClients()
    {
        try
        {
            _producer = BuildProducer();
            _consumer = new ConsumerBuilder<RawValue, RawValue>(_options.ConsumerConfig())
                .SetKeyDeserializer(_keys)
                .SetValueDeserializer(_values)
                .SetLogHandler((_, m) => _log.Kafka(m))
                .SetErrorHandler((_, e) => OnClientError("consumer", e))
                .SetPartitionsAssignedHandler(OnAssigned)
                .SetPartitionsRevokedHandler(OnRevoked)
                .SetPartitionsLostHandler(OnLost)
                .Build();
            return null;
        }
        catch (Exception e) when (e is ArgumentException or KafkaException or InvalidOperationException)
        {
            return $"librdkafka rejected the Kafka settings: {FirstSentence(e.Message)}.";
        }
    }

    private void OnClientError(string client, Error e)
    {
        if (e.IsFatal)
        {
            _fatal ??= IsFenced(e) ? FencedSentence() : $"The Kafka {client} failed fatally: {FirstSentence(e.Reason)}.";
            _log.Error(client, $"code={e.Code} fatal=true reason=\"{e.Reason}\"");
        }
        else
        {
            _log.Warn(client, $"code={e.Code} reason=\"{e.Reason}\"");
        }
    }

    private string? CheckCluster()
    {
        try
        {
            using var admin = new AdminClientBuilder(_options.AdminConfig()).SetLogHandler((_, m) => { }).Build();
            var md = admin.GetMetadata(_options.StartupTimeout);
            foreach (var topic in new[] { _options.InputTopic, _options.OutputTopic, _options.DeadLetterTopic })
            {
                var t = md.Topics.FirstOrDefault(x => x.Topic == topic);
                if (t is null || t.Error.Code == ErrorCode.UnknownTopicOrPart || t.Partitions.Count == 0)
                {
                    return $"The topic '{topic}' does not exist on the Kafka cluster at {_options.BootstrapServers}; create it first.";
                }
            }
            return null;
        }
        catch (KafkaException)
        {
            return $"No Kafka broker answered at {_options.BootstrapServers} within {_options.StartupTimeout.TotalSeconds:0.#} s.";
        }
    }

    private string? InitTransactions()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                _producer!.InitTransactions(_options.StartupTimeout);
                return null;
            }
            catch (KafkaException e) when (!e.Error.IsFatal && clock.Elapsed < _options.StartupTimeout)
            {
                _log.Warn("producer", $"init_transactions_retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(200);
            }
            catch (KafkaException e)
            {
                return $"The transactional producer '{_options.TransactionalId}' could not start: {FirstSentence(e.Error.Reason)}.";
            }
        }
    }

    private void ConsumeLoop(CancellationToken stop)
    {
        long nextLag = 0;
        while (!stop.IsCancellationRequested && _fatal is null)
        {
            if (_rewindRequested)
            {
                Rewind();
                continue;
            }
            ConsumeResult<RawValue, RawValue>? r;
            try
            {
                r = _consumer!.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException e)
            {
                if (e.Error.IsFatal)
                {
                    _fatal ??= $"The Kafka consumer failed fatally: {e.Error.Reason}.";
                    break;
                }
                _log.Warn("consumer", $"code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                continue;
            }
            if (r is not null && !r.IsPartitionEOF)
            {
                Handle(r);
            }
            if (Environment.TickCount64 >= nextLag)
            {
                UpdateLag();
                nextLag = Environment.TickCount64 + 250;
                if (!Ready.IsSet && _partitions.Owned().Count > 0)
                {
                    Ready.Set();
                }
            }
        }
    }

    private void Handle(ConsumeResult<RawValue, RawValue> r)
    {
        int p = r.Partition.Value;
        long offset = r.Offset.Value;
        PartitionSlot? slot = _partitions.Get(p);
        if (slot is null || !slot.Owned || offset < slot.ConsumedNext)
        {
            return; // not (or no longer) ours, or a record from before a seek
        }
        bool replay = offset < slot.Point.Committed;
        RawValue value = r.Message.Value;
        RejectReason reason;
        if (value.IsNull || value.Length == 0)
        {
            reason = RejectReason.InvalidJson;
            _engine!.CountRejected(reason);
        }
        else
        {
            reason = _engine!.Submit(_values.Buffer.AsSpan(0, value.Length), offset, p, _options.InputFormat);
        }
        if (reason != RejectReason.None && !replay)
        {
            Stats.RecordRejected();
            if (!slot.Point.EmittedDeadLetters.Contains(offset))
            {
                RawValue key = r.Message.Key;
                _deadLetters.Add(new DeadLetter(p, offset, RejectReasons.Name(reason),
                    key.IsNull ? null : _keys.Buffer.AsSpan(0, key.Length).ToArray(),
                    value.IsNull ? null : _values.Buffer.AsSpan(0, value.Length).ToArray()));
            }
        }
        slot.Consumed(offset, r.Message.Timestamp.UnixTimestampMs);
        Stats.RecordConsumed(replay);
    }

    private void UpdateLag()
    {
        var lag = new Dictionary<int, long>();
        long total = 0;
        foreach (var slot in _partitions.Owned())
        {
            var marks = _consumer!.GetWatermarkOffsets(new TopicPartition(_options.InputTopic, slot.Partition));
            if (marks.High.Value >= 0)
            {
                long l = Math.Max(0, marks.High.Value - slot.ConsumedNext);
                lag[slot.Partition] = l;
                total += l;
            }
        }
        Stats.SetLag(total, lag);
    }

    // ---- rebalance (on the source thread, inside Consume) ----

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<RawValue, RawValue> consumer, List<TopicPartition> assigned)
    {
        var partitions = assigned.Where(tp => tp.Topic == _options.InputTopic).Select(tp => tp.Partition.Value).ToList();
        lock (_cycleLock)
        {
            if (_fatal is not null)
            {
                return assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Unset));
            }
            _log.Info("rebalance", $"assigned partitions={string.Join(",", partitions)}");
            var plan = Recover(partitions);
            if (plan is null)
            {
                return assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Unset));
            }
            return partitions.Select(p => new TopicPartitionOffset(_options.InputTopic, p, plan[p].Start)).ToList();
        }
    }

    private void OnRevoked(IConsumer<RawValue, RawValue> consumer, List<TopicPartitionOffset> revoked)
    {
        lock (_cycleLock)
        {
            _log.Info("rebalance", $"revoked partitions={string.Join(",", revoked.Select(r => r.Partition.Value))}");
            if (_fatal is null && !_rewindRequested)
            {
                try
                {
                    Cycle(); // commit the in-flight work of the partitions before giving them up
                }
                catch (FatalPipelineException e)
                {
                    _fatal ??= e.Message;
                }
            }
            foreach (var tpo in revoked)
            {
                _partitions.Remove(tpo.Partition.Value);
                _deadLetters.Discard(tpo.Partition.Value);
            }
        }
    }

    private void OnLost(IConsumer<RawValue, RawValue> consumer, List<TopicPartitionOffset> lost)
    {
        lock (_cycleLock)
        {
            _log.Warn("rebalance", $"lost partitions={string.Join(",", lost.Select(r => r.Partition.Value))}");
            foreach (var tpo in lost)
            {
                _partitions.Remove(tpo.Partition.Value);
            }
            // Uncommitted work of every partition shares the pending buffers: redo it all from the commits.
            _rewindRequested = true;
        }
    }

    /// <summary>Plans recovery, drops stale engine state and installs fresh slots; null after a fatal error.</summary>
    private Dictionary<int, RecoveryPoint>? Recover(List<int> partitions)
    {
        Dictionary<int, RecoveryPoint> plan;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                plan = _planner.Plan(partitions, (tps, timeout) => _consumer!.Committed(tps, timeout));
                break;
            }
            catch (KafkaException e) when (!e.Error.IsFatal && clock.Elapsed < TimeSpan.FromMinutes(2) && !_stopping)
            {
                _log.Warn("recovery", $"retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(500);
            }
            catch (KafkaException e)
            {
                _fatal ??= $"The state of partitions {string.Join(",", partitions)} could not be recovered from Kafka: {FirstSentence(e.Error.Reason)}.";
                return null;
            }
        }
        _engine!.Execute(new DropPartitionsCommand(partitions, _options.Shards), EngineTimeout);
        foreach (int p in partitions)
        {
            _deadLetters.Discard(p);
            // The engine encodes nothing for the rebuild range (always set: it also clears an earlier assignment's
            // range); the collector's own check on Committed stays as the guard of the exactly-once contract.
            _engine.SetSilentUntil(p, plan[p].Committed - 1);
            _partitions.Set(new PartitionSlot(p, plan[p]));
        }
        return plan;
    }

    private void Rewind()
    {
        lock (_cycleLock)
        {
            Stats.RecordRewind();
            _engine!.Flush();
            _collector.Discard();
            _deadLetters.Discard();
            var partitions = _partitions.Owned().Select(s => s.Partition).ToList();
            foreach (int p in partitions)
            {
                _partitions.Remove(p);
            }
            _rewindRequested = false;
            _log.Warn("rewind", $"partitions={string.Join(",", partitions)} reason=uncommitted_work_discarded");
            if (partitions.Count == 0)
            {
                return;
            }
            var plan = Recover(partitions);
            if (plan is null)
            {
                return;
            }
            foreach (int p in partitions)
            {
                SeekWithRetry(new TopicPartitionOffset(_options.InputTopic, p, plan[p].Start));
            }
        }
    }

    private void SeekWithRetry(TopicPartitionOffset to)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                _consumer!.Seek(to);
                return;
            }
            catch (KafkaException e) when (attempt < 50)
            {
                _log.Warn("rewind", $"seek_retry partition={to.Partition.Value} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(100);
            }
        }
    }

    // ---- transactions (on the transaction thread; also on the source thread when partitions are revoked) ----

    private void CycleLoop()
    {
        while (!_stopping)
        {
            _cycleWake.Wait(_options.CommitInterval);
            _cycleWake.Reset();
            if (_stopping)
            {
                break;
            }
            try
            {
                lock (_cycleLock)
                {
                    if (_fatal is null)
                    {
                        Cycle();
                    }
                }
            }
            catch (FatalPipelineException e)
            {
                _fatal ??= e.Message;
                _log.Error("transaction", $"message=\"{e.Message}\"");
                return;
            }
        }
    }

    /// <summary>One transaction: everything complete since the last one. Caller holds the cycle lock.</summary>
    private void Cycle()
    {
        if (_rewindRequested || _engine is null)
        {
            return;
        }
        _partitions.Owned(_owned);
        if (_owned.Count == 0)
        {
            return;
        }
        int maxPartition = 0;
        foreach (var s in _owned)
        {
            maxPartition = Math.Max(maxPartition, s.Partition);
        }
        if (_commitPoints.Length <= maxPartition)
        {
            Array.Resize(ref _commitPoints, maxPartition + 1);
        }
        foreach (var s in _owned)
        {
            _commitPoints[s.Partition] = s.ConsumedNext;
        }
        _engine.Flush(EngineTimeout);
        CheckEngineFaults();
        PendingOutputs outputs = _collector.Take();
        try
        {
            for (int i = 0; i < outputs.Count; i++)
            {
                ref readonly PendingOutput o = ref outputs[i];
                if (o.Partition <= maxPartition && o.Offset + 1 > _commitPoints[o.Partition])
                {
                    _commitPoints[o.Partition] = o.Offset + 1;
                }
            }
            var offsets = new List<TopicPartitionOffset>();
            long advanced = 0;
            foreach (var s in _owned)
            {
                if (_commitPoints[s.Partition] > s.Committed)
                {
                    offsets.Add(new TopicPartitionOffset(_options.InputTopic, s.Partition, _commitPoints[s.Partition]));
                    advanced += _commitPoints[s.Partition] - s.Committed;
                }
            }
            var points = _commitPoints;
            var letters = _deadLetters.Take(p => p < points.Length && _partitions.Get(p) is { Owned: true } ? points[p] : -1);
            if (outputs.Count == 0 && letters.Count == 0 && offsets.Count == 0)
            {
                return;
            }
            if (!Transact(outputs, letters, offsets))
            {
                return;
            }
            foreach (var tpo in offsets)
            {
                if (_partitions.Get(tpo.Partition.Value) is { } slot)
                {
                    slot.Committed = tpo.Offset.Value;
                }
            }
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Stats.RecordCommit(outputs.Count, letters.Count, advanced, now);
            RecordLatencies(outputs, now);
        }
        finally
        {
            _collector.Return(outputs);
        }
    }

    private void CheckEngineFaults()
    {
        long faults = _engine!.FaultCount;
        if (faults > _faultsSeen)
        {
            _faultsSeen = faults;
            var first = _engine.RecentFaults().FirstOrDefault();
            // Committing past an event the engine could not apply would lose it silently.
            throw new FatalPipelineException($"The engine could not apply {faults} event(s), so their offsets are not committed (first: {first}).");
        }
    }

    /// <summary>Produces and commits one transaction; false when it was aborted (a rewind is then requested).</summary>
    private bool Transact(PendingOutputs outputs, List<DeadLetter> letters, List<TopicPartitionOffset> offsets)
    {
        var producer = _producer!;
        try
        {
            producer.BeginTransaction();
            var message = new Message<byte[], byte[]>();
            Span<byte> digits = stackalloc byte[24];
            for (int i = 0; i < outputs.Count; i++)
            {
                ref readonly PendingOutput o = ref outputs[i];
                message.Key = _keyArrays.Copy(outputs.Key(in o));
                message.Value = _valueArrays.Copy(outputs.Value(in o));
                var headers = new Headers();
                headers.Add(RunHeaders.SourcePartition, digits[..RunHeaders.Format(o.Partition, digits)].ToArray());
                headers.Add(RunHeaders.SourceOffset, digits[..RunHeaders.Format(o.Offset, digits)].ToArray());
                message.Headers = headers;
                Produce(producer, _options.OutputTopic, message);
            }
            foreach (var d in letters)
            {
                var headers = new Headers
                {
                    { RunHeaders.Reason, System.Text.Encoding.ASCII.GetBytes(d.Reason) },
                    { RunHeaders.DeadLetterTopic, System.Text.Encoding.UTF8.GetBytes(_options.InputTopic) },
                    { RunHeaders.DeadLetterPartition, RunHeaders.Text(d.Partition) },
                    { RunHeaders.DeadLetterOffset, RunHeaders.Text(d.Offset) },
                };
                Produce(producer, _options.DeadLetterTopic, new Message<byte[], byte[]> { Key = d.Key!, Value = d.Value!, Headers = headers });
            }
            if (offsets.Count > 0)
            {
                var group = _consumer!.ConsumerGroupMetadata;
                Retry("send_offsets", () => Guarded("send_offsets", () => producer.SendOffsetsToTransaction(offsets, group, _apiTimeout)));
            }
            Retry("commit", () => Guarded("commit", () => producer.CommitTransaction(_apiTimeout)));
        }
        catch (StuckCallException)
        {
            ReplaceProducer(producer);
            return false;
        }
        catch (KafkaException e) when (!IsFatal(e))
        {
            _log.Warn("transaction", $"aborting code={e.Error.Code} reason=\"{e.Error.Reason}\"");
            Abort(producer);
            return false;
        }
        catch (KafkaException e)
        {
            throw Fatal(e);
        }
        if (offsets.Count > 0)
        {
            try
            {
                // The mock broker drops offsets sent to a transaction; on real Kafka this stores the same offsets
                // again. Its failure costs nothing but a longer dedupe scan at the next recovery.
                var consumer = _consumer!;
                Guarded("plain_commit", () => consumer.Commit(offsets));
            }
            catch (KafkaException e)
            {
                _log.Warn("consumer", $"plain_commit_failed code={e.Error.Code} reason=\"{e.Error.Reason}\"");
            }
            catch (StuckCallException)
            {
                _stuckCall = null; // left to finish (or not) on its own
            }
        }
        return true;
    }

    private void Produce(IProducer<byte[], byte[]> producer, string topic, Message<byte[], byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message);
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
        Stats.RecordAbort();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                Guarded("abort", () => producer.AbortTransaction(_apiTimeout));
                break;
            }
            catch (StuckCallException)
            {
                ReplaceProducer(producer);
                return;
            }
            catch (KafkaException e) when (!IsFatal(e) && clock.Elapsed < _options.TransactionTimeout)
            {
                _log.Warn("transaction", $"abort_retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(100);
            }
            catch (KafkaException e)
            {
                throw Fatal(e);
            }
        }
        _rewindRequested = true;
    }

    /// <summary>
    /// Runs a blocking transactional call on a pool thread and waits at most the watchdog time.
    /// librdkafka's send_offsets_to_transaction can block past its own timeout when the group coordinator
    /// it cached went away (confluentinc/librdkafka#5456, #5511; seen here after the embedded broker went
    /// down and up): such a producer is abandoned and replaced rather than waited for forever.
    /// </summary>
    private void Guarded(string what, Action call)
    {
        var task = Task.Run(call);
        bool done;
        try
        {
            done = task.Wait(_apiWatchdog);
        }
        catch (AggregateException e) when (e.InnerException is KafkaException inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
        if (!done)
        {
            _log.Warn("transaction", $"stuck call={what} waited_ms={(long)_apiWatchdog.TotalMilliseconds}");
            _stuckCall = task;
            throw new StuckCallException();
        }
    }

    private Task? _stuckCall;

    /// <summary>Abandons a producer stuck in a call and starts a new one with the same transactional id (which fences the old one).</summary>
    private void ReplaceProducer(IProducer<byte[], byte[]> stuck)
    {
        Stats.RecordAbort();
        // The stuck call still uses the old producer: dispose it only once that call returns, if ever.
        var call = _stuckCall;
        _stuckCall = null;
        if (call is null)
        {
            stuck.Dispose();
        }
        else
        {
            call.ContinueWith(_ => stuck.Dispose(), TaskScheduler.Default);
        }
        _producer = BuildProducer();
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
        _rewindRequested = true;
    }

    private sealed class StuckCallException : Exception;

    private static bool IsFatal(KafkaException e) =>
        e.Error.IsFatal || e.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced
            or ErrorCode.TransactionalIdAuthorizationFailed or ErrorCode.Local_Fatal;

    private FatalPipelineException Fatal(KafkaException e)
    {
        string sentence = IsFenced(e.Error)
            ? FencedSentence()
            : $"The transactional producer failed fatally: {FirstSentence(e.Error.Reason)}.";
        _log.Error("transaction", $"code={e.Error.Code} reason=\"{e.Error.Reason}\"");
        return new FatalPipelineException(sentence);
    }

    private static bool IsFenced(Error e) =>
        e.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.Local_Fenced
        || e.Reason.Contains("fenced", StringComparison.OrdinalIgnoreCase);

    private string FencedSentence() =>
        $"The producer was fenced: another host started with transactional.id '{_options.TransactionalId}' (is host-id unique?).";

    private void RecordLatencies(PendingOutputs outputs, long nowMs)
    {
        if (_latencies.Length < outputs.Count)
        {
            _latencies = new long[Math.Max(outputs.Count, _latencies.Length * 2)];
        }
        int n = 0;
        for (int i = 0; i < outputs.Count; i++)
        {
            ref readonly PendingOutput o = ref outputs[i];
            if (_partitions.Get(o.Partition) is { } slot && slot.TimestampOf(o.Offset) is var ts && ts > 0)
            {
                _latencies[n++] = nowMs - ts;
            }
        }
        Stats.RecordLatencies(_latencies.AsSpan(0, n));
    }

    // ---- shutdown ----

    private int Shutdown()
    {
        _stopping = true;
        _cycleWake.Set();
        _cycleThread?.Join();
        if (_fatal is null && _consumer is not null)
        {
            try
            {
                lock (_cycleLock)
                {
                    Cycle(); // the work done so far
                }
            }
            catch (FatalPipelineException e)
            {
                _fatal ??= e.Message;
            }
        }
        if (_consumer is not null && _fatal is null)
        {
            try
            {
                _consumer.Close(); // leave the group now rather than after the session timeout
            }
            catch (KafkaException e)
            {
                _log.Warn("consumer", $"close_failed reason=\"{e.Error.Reason}\"");
            }
        }
        if (_fatal is not null)
        {
            _log.Error("run", $"stopped message=\"{_fatal}\"");
            return 1;
        }
        _log.Info("run", $"stopped consumed={Stats.Consumed} produced={Stats.Produced} dead_letters={Stats.DeadLetters} commits={Stats.Commits} aborts={Stats.Aborts}");
        return 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stopping = true;
        _cycleWake.Set();
        _cycleThread?.Join();
        _consumer?.Dispose();
        _producer?.Dispose();
        _engine?.Dispose();
        _cycleWake.Dispose();
        Ready.Dispose();
    }

    private static string FirstSentence(string text)
    {
        text = text.Trim();
        int dot = text.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? text[..dot] : text).TrimEnd('.');
    }
}
