using System.Diagnostics;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
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
public sealed class KafkaPipeline : IDisposable, Observability.IPipelineFigures
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
    private readonly List<PartitionSlot> _owned = new();
    private readonly ManualResetEventSlim _cycleWake = new(false);
    private long[] _commitPoints = new long[64];
    private long[] _latencies = new long[1024];
    private AttributionEngine? _engine;
    private TransactionalSink? _sink;
    private IConsumer<RawValue, RawValue>? _consumer;
    private Thread? _cycleThread;
    private volatile bool _rewindRequested;
    private volatile bool _stopping;
    private volatile string? _fatal;
    private long _faultsSeen;
    private readonly StageClock _sourceStage = new("source");
    private readonly StageClock _cycleStage = new("transactions");
    private Timer? _stallTimer;
    // Recovered snapshot positions of partitions whose engine state is still the snapshot's (removed once assigned).
    private readonly Dictionary<int, long> _snapshotPositions = new();
    private long _nextSnapshot;
    private long _consumedAtSnapshot = -1;

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
            // First: the engine takes the state directory's lock, so a second host on it stops before it
            // touches Kafka (its transactional producer would fence the first one) or the directory.
            if (OpenEngine() is { } engineProblem)
            {
                _fatal = engineProblem.Sentence;
                _log.Error("run", $"message=\"{engineProblem.Sentence}\"");
                return engineProblem.Code;
            }
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
            if (_sink!.Initialize() is { } txnProblem)
            {
                return Fail(txnProblem);
            }
            if (CheckSharedStateDirectory() is { } sharedProblem)
            {
                return Fail(sharedProblem);
            }
            _consumer!.Subscribe(_options.InputTopic);
            _log.Info("run", $"started group={_options.GroupId} transactional_id={_options.TransactionalId} input={_options.InputTopic} output={_options.OutputTopic} shards={_options.Shards}");
            _stallTimer = new Timer(_ => ReportStalls(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
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
        catch (ShardFailedException e)
        {
            // Met outside a cycle or a submit (a rewind, a rebalance, a snapshot): the same stop.
            _fatal ??= Stopped(e).Message;
            Shutdown();
            return 1;
        }
    }

    private void ReportStalls()
    {
        foreach (var clock in new[] { _sourceStage, _cycleStage })
        {
            if (clock.Stalled(TimeSpan.FromSeconds(10)) is { } stall)
            {
                _log.Warn("stall", $"thread={clock.Thread} stage={stall.Stage} seconds={stall.Duration.TotalSeconds:F0}");
            }
        }
    }

    private string? CheckSharedStateDirectory()
    {
        if (_options.SharedStateDirectory is null)
        {
            return null;
        }
        string probe = _options.SharedStateFile(0) + $".{Environment.ProcessId}.{Guid.NewGuid():N}.probe"; // pids repeat across containers
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            File.WriteAllText(probe, "probe");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"The shared state directory '{_options.SharedStateDirectory}' cannot be used: {Sentences.First(e.Message)}.";
        }
    }

    /// <summary>
    /// Starts partition <paramref name="p"/> from its shared state file when one is usable: it covers input up to
    /// a position s with s + 1 at or before the committed offset (so no committed input is skipped) and at or
    /// after the rebuild start (so it saves re-reading). Returns s, or null (then the partition is re-read).
    /// </summary>
    private long? ImportShared(int p, RecoveryPoint point)
    {
        if (_options.SharedStateDirectory is null)
        {
            return null;
        }
        string path = _options.SharedStateFile(p);
        if (!File.Exists(path))
        {
            return null;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            // The header decides; the import checks the whole file (checksum, settings, partition) before it changes state.
            var (partition, position) = PartitionStateFile.ReadPosition(path);
            bool Usable(long s) => s + 1 <= point.Committed && s + 1 >= point.Start;
            if (!Usable(position) || partition != p)
            {
                _log.Info("shared_state", $"skipped partition={p} position={position} committed={point.Committed} rebuild_from={point.Start}");
                return null;
            }
            var info = _engine!.ImportPartition(p, path, EngineTimeout);
            if (!Usable(info.Position))
            {
                // Replaced by another writer since its header was read; null makes the caller drop what was imported.
                _log.Info("shared_state", $"skipped partition={p} position={info.Position} committed={point.Committed} rebuild_from={point.Start} (file replaced meanwhile)");
                return null;
            }
            _log.Info("shared_state", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"imported partition={p} position={info.Position} entries={info.Clicks + info.Conversions} bytes={info.Bytes} ms={clock.ElapsedMilliseconds} replay_from={info.Position + 1} committed={point.Committed}"));
            Stats.RecordSharedImport();
            return info.Position;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _log.Warn("shared_state", $"unusable partition={p} file=\"{path}\" reason=\"{Sentences.First(e.Message)}\" (re-reading the input instead)");
            return null;
        }
    }

    /// <summary>Writes the state of a partition whose consumed input is all committed to the shared directory; false when skipped or failed.</summary>
    private bool ExportShared(PartitionSlot slot, string why)
    {
        if (_options.SharedStateDirectory is null || slot.Committed < slot.ConsumedNext)
        {
            return false;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            var info = _engine!.ExportPartition(slot.Partition, _options.SharedStateFile(slot.Partition), EngineTimeout);
            _log.Info("shared_state", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"exported partition={slot.Partition} position={info.Position} entries={info.Clicks + info.Conversions} bytes={info.Bytes} ms={clock.ElapsedMilliseconds} why={why}"));
            Stats.RecordSharedExport();
            return true;
        }
        catch (IOException e)
        {
            _log.Warn("shared_state", $"export_failed partition={slot.Partition} reason=\"{Sentences.First(e.Message)}\"");
            return false;
        }
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
        if (_engine.RecoveredSnapshot is { } snapshot)
        {
            foreach (var cut in snapshot.Partitions)
            {
                _snapshotPositions[cut.Partition] = cut.Position;
            }
            _log.Info("snapshot", $"recovered sequence={snapshot.Sequence} created={snapshot.CreatedAt:O} partitions={snapshot.Partitions.Count}");
        }
        _nextSnapshot = Environment.TickCount64 + (long)_options.SnapshotInterval.TotalMilliseconds;
        return null;
    }

    private int Fail(string sentence)
    {
        _fatal = sentence;
        _log.Error("run", $"message=\"{sentence}\"");
        return 1;
    }

    private string? BuildClients()
    {
        try
        {
            _sink = new TransactionalSink(_options, _log, Stats, e => OnClientError("producer", e));
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
            return $"librdkafka rejected the Kafka settings: {Sentences.First(e.Message)}.";
        }
    }

    private void OnClientError(string client, Error e)
    {
        if (e.IsFatal)
        {
            _fatal ??= _sink?.FatalSentence(e, client) ?? $"The Kafka {client} failed fatally: {Sentences.First(e.Reason)}.";
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
                _sourceStage.Enter("idle:consume");
                r = _consumer!.Consume(TimeSpan.FromMilliseconds(100));
                _sourceStage.Enter("handle");
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
            if ((_options.StateDirectory is not null || _options.SharedStateDirectory is not null) && Environment.TickCount64 >= _nextSnapshot)
            {
                TakeSnapshot();
                _nextSnapshot = Environment.TickCount64 + (long)_options.SnapshotInterval.TotalMilliseconds;
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
        RecordField field = RecordField.None;
        if (value.IsNull || value.Length == 0)
        {
            reason = RejectReason.InvalidJson;
            _engine!.CountRejected(reason);
        }
        else
        {
            try
            {
                reason = _engine!.SubmitReportingField(_values.Buffer.AsSpan(0, value.Length), out field, offset, p, _options.InputFormat);
            }
            catch (ShardFailedException e)
            {
                throw Stopped(e);
            }
        }
        if (reason != RejectReason.None && !replay)
        {
            Stats.RecordRejected();
            if (!slot.Point.EmittedDeadLetters.Contains(offset))
            {
                RawValue key = r.Message.Key;
                _deadLetters.Add(DeadLetter.Of(p, offset, RejectReasons.Name(reason),
                    _keys.Buffer.AsSpan(0, key.IsNull ? 0 : key.Length), key.IsNull,
                    _values.Buffer.AsSpan(0, value.IsNull ? 0 : value.Length), value.IsNull) with { Field = RecordFieldNames.Name(field) });
            }
        }
        slot.Consumed(offset, r.Message.Timestamp.UnixTimestampMs);
        Stats.RecordConsumed(replay);
        if (!slot.Rebuilt && offset + 1 >= slot.Point.Committed)
        {
            ReportRebuilt(slot);
        }
    }

    /// <summary>Logs the end of a partition's move: the state is rebuilt up to the committed offset and new input follows.</summary>
    private void ReportRebuilt(PartitionSlot slot)
    {
        slot.Rebuilt = true;
        double ms = Stopwatch.GetElapsedTime(slot.RecoveryStartedAt).TotalMilliseconds;
        long records = Math.Max(0, slot.Point.Committed - slot.Point.Start);
        _log.Info("recovery", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"partition={slot.Partition} rebuilt records={records} ms={ms:F0}"));
        Stats.RecordPartitionMove(ms / 1000.0, records);
    }

    /// <summary>
    /// Cuts a snapshot at a transaction boundary: on the source thread (so nothing new is submitted), commit
    /// everything consumed, then publish the cut. Every position a snapshot records is therefore committed,
    /// which is what makes resuming after it exact.
    /// </summary>
    private void TakeSnapshot()
    {
        var engine = _engine!;
        bool local = _options.StateDirectory is not null && !engine.SnapshotInProgress;
        if ((!local && _options.SharedStateDirectory is null) || Stats.Consumed == _consumedAtSnapshot)
        {
            return; // nothing to do, or nothing new since the last one
        }
        _consumedAtSnapshot = Stats.Consumed;
        lock (_cycleLock)
        {
            if (_fatal is not null || _rewindRequested)
            {
                return;
            }
            Cycle();
            foreach (var slot in _partitions.Owned())
            {
                if (_rewindRequested || slot.Committed < slot.ConsumedNext)
                {
                    return; // the commit did not go through: no snapshot this time
                }
            }
            foreach (var slot in _partitions.Owned())
            {
                if (slot.SharedExportedAt != slot.Committed && ExportShared(slot, "interval"))
                {
                    slot.SharedExportedAt = slot.Committed;
                }
            }
            if (!local)
            {
                return;
            }
            var clock = Stopwatch.StartNew();
            long consumed = Stats.Consumed;
            engine.SnapshotAsync().ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    _log.Info("snapshot", $"taken sequence={t.Result.Sequence} consumed={consumed} bytes={t.Result.Bytes} ms={clock.ElapsedMilliseconds}");
                }
                else
                {
                    _log.Warn("snapshot", $"failed reason=\"{t.Exception?.InnerException?.Message}\"");
                }
            }, TaskScheduler.Default);
        }
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
        _sourceStage.Enter("assigned:lock");
        lock (_cycleLock)
        {
            _sourceStage.Enter("assigned:recover");
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
        _sourceStage.Enter("revoked:lock");
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
            var given = new List<int>();
            foreach (var tpo in revoked)
            {
                int p = tpo.Partition.Value;
                if (_fatal is null && !_rewindRequested && _partitions.Get(p) is { Owned: true } slot)
                {
                    ExportShared(slot, "revoked");
                }
                _partitions.Remove(p);
                _deadLetters.Discard(p);
                given.Add(p);
            }
            DropState(given);
        }
    }

    /// <summary>Deletes the engine state of partitions this host gave up (a later assignment rebuilds it).</summary>
    private void DropState(List<int> partitions)
    {
        if (partitions.Count == 0 || _engine is null || _fatal is not null)
        {
            return;
        }
        try
        {
            _engine.DropPartitions(partitions, EngineTimeout);
        }
        catch (TimeoutException e)
        {
            _log.Warn("rebalance", $"drop_state_timeout partitions={string.Join(",", partitions)} reason=\"{e.Message}\"");
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
            DropState(lost.Select(l => l.Partition.Value).ToList());
            // Uncommitted work of every partition shares the pending buffers: redo it all from the commits.
            _rewindRequested = true;
        }
    }

    /// <summary>Plans recovery, drops stale engine state and installs fresh slots; null after a fatal error.</summary>
    private Dictionary<int, RecoveryPoint>? Recover(List<int> partitions)
    {
        Dictionary<int, RecoveryPoint> plan;
        long recoveryStarted = Stopwatch.GetTimestamp();
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
                _fatal ??= $"The state of partitions {string.Join(",", partitions)} could not be recovered from Kafka: {Sentences.First(e.Error.Reason)}.";
                return null;
            }
        }
        _sourceStage.Enter("recover:drop_state");
        var drop = new List<int>();
        foreach (int p in partitions)
        {
            // The engine still holds p's state from the recovered snapshot, which covers input up to position s:
            // resuming after it is exact when s is committed (s + 1 <= C) and saves replaying [Start, s].
            if (_snapshotPositions.Remove(p, out long s) && s >= 0 && s + 1 > plan[p].Start && s + 1 <= plan[p].Committed)
            {
                plan[p] = plan[p] with { Start = s + 1 };
                _log.Info("recovery", $"partition={p} from_snapshot_position={s} rebuild_from={s + 1} committed={plan[p].Committed}");
            }
            else if (ImportShared(p, plan[p]) is { } imported)
            {
                plan[p] = plan[p] with { Start = imported + 1 };
            }
            else
            {
                drop.Add(p);
            }
        }
        _engine!.DropPartitions(drop, EngineTimeout);
        _sourceStage.Enter("recover:install");
        foreach (int p in partitions)
        {
            _deadLetters.Discard(p);
            // The engine encodes nothing for the rebuild range (always set: it also clears an earlier assignment's
            // range); the collector's own check on Committed stays as the guard of the exactly-once contract.
            _engine.SetSilentUntil(p, plan[p].Committed - 1);
            var slot = new PartitionSlot(p, plan[p]) { RecoveryStartedAt = recoveryStarted };
            _partitions.Set(slot);
            if (plan[p].Start >= plan[p].Committed)
            {
                ReportRebuilt(slot);
            }
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
            _cycleStage.Enter("idle:wait");
            _cycleWake.Wait(_options.CommitInterval);
            _cycleWake.Reset();
            _cycleStage.Enter("lock");
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
        var stage = Thread.CurrentThread == _cycleThread ? _cycleStage : _sourceStage;
        stage.Enter("cycle:flush");
        try
        {
            _engine.Flush(EngineTimeout);
        }
        catch (ShardFailedException e)
        {
            throw Stopped(e);
        }
        CheckEngineFaults();
        stage.Enter("cycle:take");
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
                CommitPlain(stage); // only a plain commit that failed before may be left to do
                return;
            }
            stage.Enter("cycle:group_metadata");
            var group = _consumer!.ConsumerGroupMetadata;
            stage.Enter("cycle:transaction");
            var outcome = _sink!.Commit(outputs, letters, offsets, group);
            if (outcome == TransactionalSink.Outcome.Aborted)
            {
                _rewindRequested = true;
                return;
            }
            foreach (var tpo in offsets)
            {
                if (_partitions.Get(tpo.Partition.Value) is { } slot)
                {
                    slot.Committed = tpo.Offset.Value;
                }
            }
            CommitPlain(stage);
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Stats.RecordCommit(outputs.Count, letters.Count, advanced, now);
            RecordLatencies(outputs, now);
        }
        finally
        {
            _collector.Return(outputs);
        }
    }

    /// <summary>A shard's own output or state failed: nothing after it may be committed, so the host stops with the cause.</summary>
    private static FatalPipelineException Stopped(ShardFailedException e) => new($"The engine stopped: {e.Message}");

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

    /// <summary>
    /// Stores the transactionally committed offsets again with a plain consumer commit: librdkafka's mock broker
    /// drops offsets sent to a transaction; real Kafka just stores them twice. A commit refused during a
    /// rebalance is retried next cycle (until then only the dedupe scan at a recovery gets longer).
    /// </summary>
    private void CommitPlain(StageClock stage)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var s in _owned)
        {
            if (s.Owned && s.Committed > s.PlainCommitted)
            {
                offsets.Add(new TopicPartitionOffset(_options.InputTopic, s.Partition, s.Committed));
            }
        }
        if (offsets.Count == 0)
        {
            return;
        }
        stage.Enter("cycle:plain_commit");
        var consumer = _consumer!;
        try
        {
            _sink!.Guarded("plain_commit", () => consumer.Commit(offsets));
            foreach (var tpo in offsets)
            {
                if (_partitions.Get(tpo.Partition.Value) is { } slot)
                {
                    slot.PlainCommitted = tpo.Offset.Value;
                }
            }
        }
        catch (KafkaException e)
        {
            _log.Warn("consumer", $"plain_commit_failed code={e.Error.Code} reason=\"{e.Error.Reason}\" retry=next_cycle");
        }
        catch (TransactionalSink.StuckCallException)
        {
            _sink!.LeaveStuckCall(); // left to finish (or not) on its own
        }
    }

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
        _sourceStage.Enter("shutdown");
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
        _stallTimer?.Dispose();
        _stopping = true;
        _cycleWake.Set();
        _cycleThread?.Join();
        _consumer?.Dispose();
        _sink?.Dispose();
        _engine?.Dispose();
        _cycleWake.Dispose();
        Ready.Dispose();
    }
}
