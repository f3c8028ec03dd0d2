using System.Diagnostics;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Works out where newly assigned partitions resume (<see cref="RecoveryPoint"/>), from Kafka alone:
/// <list type="number">
/// <item>the group's committed offset C of each partition;</item>
/// <item>the rebuild start: the first offset whose record time is at or after (time of record C − 1) −
/// lookback, found with ListOffsets by timestamp; state is a function of that much input
/// (docs/SCALING.md). Where the broker cannot answer by timestamp (librdkafka's mock broker always answers
/// −1) the rebuild starts at the first retained offset;</item>
/// <item>which input offsets at or after C already have their output or dead letter in Kafka: the
/// output and dead-letter topics are read (read_committed) from shortly before the first
/// uncommitted input record was produced, and the input coordinates each record carries collected (RunHeaders). On a
/// real cluster only committed transactions are visible, so only records whose transaction committed
/// without its offsets are found; on the mock broker, which shows aborted and open transactions too,
/// whatever a crash left visible is found — either way nothing is produced twice and nothing is lost.</item>
/// </list>
/// </summary>
internal sealed class RecoveryPlanner
{
    /// <summary>How far before the first unprocessed input record's time the output scan starts (clock skew between producers).</summary>
    public static readonly long ScanSkewMs = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;

    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly IKafkaSupplier _kafka;
    private readonly TimeSpan _timeout;
    private EventRecord _scratch;

    /// <summary>Creates a planner.</summary>
    public RecoveryPlanner(RunOptions options, RunLog log, IKafkaSupplier kafka)
    {
        _options = options;
        _log = log;
        _kafka = kafka;
        _timeout = options.StartupTimeout < TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : options.StartupTimeout;
    }

    /// <summary>
    /// <see cref="Plan"/>, retried while Kafka fails transiently (up to 2 minutes, not once the host is stopping);
    /// null after a failure, which <paramref name="state"/> then holds as the run's fatal sentence.
    /// </summary>
    public Dictionary<int, RecoveryPoint>? PlanRetrying(IReadOnlyList<int> partitions, Func<IEnumerable<TopicPartition>, TimeSpan, List<TopicPartitionOffset>> committed, RunState state)
        => Retrying(() => Plan(partitions, committed), $"The state of partitions {string.Join(",", partitions)} could not be recovered from Kafka", state);

    private Dictionary<int, RecoveryPoint>? Retrying(Func<Dictionary<int, RecoveryPoint>> plan, string failure, RunState state)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return plan();
            }
            catch (KafkaException e) when (!e.Error.IsFatal && clock.Elapsed < TimeSpan.FromMinutes(2) && !state.Stopping)
            {
                _log.Warn("recovery", $"retry code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(500);
            }
            catch (KafkaException e)
            {
                state.Fail($"{failure}: {Sentences.First(e.Error.Reason)}.");
                return null;
            }
        }
    }

    /// <summary>Plans the given input partitions. <paramref name="committed"/> reads the group's committed offsets.</summary>
    /// <exception cref="KafkaException">Kafka did not answer in time.</exception>
    public Dictionary<int, RecoveryPoint> Plan(IReadOnlyList<int> partitions, Func<IEnumerable<TopicPartition>, TimeSpan, List<TopicPartitionOffset>> committed)
    {
        var clock = Stopwatch.StartNew();
        var result = new Dictionary<int, RecoveryPoint>();
        if (partitions.Count == 0)
        {
            return result;
        }
        using var reader = _kafka.GetRestoreConsumer(new ConsumerBuilder<Ignore, byte[]>(_options.ReaderConfig())
            .WithHostHooks(_options, _log));
        var tps = partitions.Select(p => new TopicPartition(_options.StateTopic, p)).ToList();
        var committedOffsets = committed(tps, _timeout).ToDictionary(o => o.Partition.Value, o => o.Offset);

        var plans = new Dictionary<int, Bounds>();
        bool fromLatest = _options.ConsumerConfig().AutoOffsetReset == AutoOffsetReset.Latest;
        var fromTimestamp = new Dictionary<int, (long, long)>();
        foreach (var tp in tps)
        {
            var marks = reader.QueryWatermarkOffsets(tp, _timeout);
            long low = marks.Low.Value, high = marks.High.Value;
            bool hasCommitted = committedOffsets.TryGetValue(tp.Partition.Value, out var o) && o.Value >= 0;
            long c = hasCommitted ? Math.Clamp(o.Value, low, high) : fromLatest ? high : low;
            plans[tp.Partition.Value] = new Bounds(low, high, c);
            if (_options.StartFromTimestampMs is not null)
            {
                if (hasCommitted)
                {
                    // The group's own offset wins: a restart of the cut-over command resumes where it stopped.
                    _log.Info("recovery", $"partition={tp.Partition.Value} start_from_timestamp=ignored committed={c}");
                }
                else
                {
                    fromTimestamp[tp.Partition.Value] = (low, high);
                }
            }
        }
        // Cut-over: the commit point is the first record at or after the time; the rebuild below replays the lookback before it silently.
        foreach (var (p, (start, by)) in TimestampOffsets.FirstAtOrAfter(reader, _options.StateTopic, fromTimestamp, _options.StartFromTimestampMs ?? 0, _timeout))
        {
            plans[p] = plans[p] with { Committed = start };
            _log.Info("recovery", $"partition={p} start_from_timestamp={_options.StartFromTimestampMs} first_offset_at_or_after={start} by={by}");
        }

        // Anchors: the record before the commit point (state horizon) or, with nothing committed, the first unprocessed one.
        var anchorWanted = plans.Where(kv => kv.Value.Committed > kv.Value.Low || kv.Value.Committed < kv.Value.High)
            .ToDictionary(kv => kv.Key, kv => kv.Value.Committed > kv.Value.Low ? kv.Value.Committed - 1 : kv.Value.Committed);
        var anchors = ReadAnchors(reader, _options.StateTopic, anchorWanted);

        var rebuildFrom = new Dictionary<int, long>();
        var timestamps = new List<TopicPartitionTimestamp>();
        foreach (var (p, b) in plans)
        {
            rebuildFrom[p] = b.Committed;
            if (b.Committed > b.Low && anchors.TryGetValue(p, out var anchor))
            {
                long t = SaturatingSubtract(Math.Min(anchor.RecordMs, anchor.EventMs), _options.EffectiveRebuildLookbackMs);
                if (t > 0)
                {
                    timestamps.Add(new TopicPartitionTimestamp(new TopicPartition(_options.StateTopic, p), new Timestamp(t, TimestampType.CreateTime)));
                }
                rebuildFrom[p] = b.Low;
            }
            else if (b.Committed > b.Low)
            {
                rebuildFrom[p] = b.Low;
            }
        }
        if (timestamps.Count > 0)
        {
            foreach (var found in reader.OffsetsForTimes(timestamps, _timeout))
            {
                long f = found.Offset.Value;
                var b = plans[found.Partition.Value];
                if (f >= b.Low && f <= b.Committed)
                {
                    rebuildFrom[found.Partition.Value] = f;
                }
            }
        }

        // Dedupe scan, only for partitions with input at or after their commit point.
        var uncommitted = plans.Where(kv => kv.Value.High > kv.Value.Committed).Select(kv => kv.Key).ToHashSet();
        var outputs = new Dictionary<int, HashSet<long>>();
        var deadLetters = new Dictionary<int, HashSet<long>>();
        if (uncommitted.Count > 0)
        {
            long since = uncommitted.Select(p => anchors.TryGetValue(p, out var a) ? a.RecordMs : 0).Min();
            since = since > ScanSkewMs ? since - ScanSkewMs : 0;
            var floor = plans.ToDictionary(kv => kv.Key, kv => kv.Value.Committed);
            ScanTopic(reader, _options.OutputTopic, RunHeaders.Source, RunHeaders.SourcePartition, RunHeaders.SourceOffset, null, since, uncommitted, floor, outputs);
            ScanTopic(reader, _options.DeadLetterTopic, null, RunHeaders.DeadLetterPartition, RunHeaders.DeadLetterOffset, _options.StateTopic, since, uncommitted, floor, deadLetters);
        }

        foreach (var (p, b) in plans)
        {
            var point = new RecoveryPoint(rebuildFrom[p], b.Committed,
                outputs.TryGetValue(p, out var os) ? os : RecoveryPoint.None,
                deadLetters.TryGetValue(p, out var ds) ? ds : RecoveryPoint.None);
            result[p] = point;
            _log.Info("recovery", $"partition={p} low={b.Low} high={b.High} committed={b.Committed} rebuild_from={point.Start} " +
                $"outputs_already_in_kafka={point.EmittedOutputs.Count} dead_letters_already_in_kafka={point.EmittedDeadLetters.Count}");
        }
        _log.Info("recovery", $"planned partitions={partitions.Count} ms={clock.ElapsedMilliseconds}");
        reader.Close();
        return result;
    }

    private readonly record struct Bounds(long Low, long High, long Committed);

    private readonly record struct Anchor(long RecordMs, long EventMs);

    private Dictionary<int, Anchor> ReadAnchors(IConsumer<Ignore, byte[]> reader, string topic, Dictionary<int, long> wanted)
    {
        var found = new Dictionary<int, Anchor>();
        if (wanted.Count == 0)
        {
            return found;
        }
        reader.Assign(wanted.Select(kv => new TopicPartitionOffset(topic, kv.Key, kv.Value)));
        var open = new HashSet<int>(wanted.Keys);
        var deadline = Stopwatch.StartNew();
        while (open.Count > 0)
        {
            if (deadline.Elapsed > _timeout)
            {
                throw new KafkaException(new Error(ErrorCode.Local_TimedOut,
                    $"reading the last committed input records of partitions {string.Join(",", open)} took longer than {_timeout.TotalSeconds:F0} s"));
            }
            var r = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null || !open.Contains(r.Partition.Value))
            {
                continue;
            }
            open.Remove(r.Partition.Value);
            if (r.IsPartitionEOF)
            {
                continue; // trimmed away: no anchor, the rebuild starts at the first retained offset
            }
            long recordMs = r.Message.Timestamp.UnixTimestampMs;
            long eventMs = recordMs;
            if (r.Message.Value is { Length: > 0 } value)
            {
                RejectReason reason = _options.InputFormat == WireFormat.Json
                    ? JsonEventReader.Read(value, ref _scratch, _options.Attribution.MaxRecordBytes)
                    : MessagePackEventReader.Read(value, ref _scratch, _options.Attribution.MaxRecordBytes);
                if (reason == RejectReason.None)
                {
                    eventMs = Math.Min(recordMs, _scratch.Timestamp);
                }
            }
            found[r.Partition.Value] = new Anchor(recordMs, eventMs);
        }
        reader.Unassign();
        return found;
    }

    private void ScanTopic(IConsumer<Ignore, byte[]> reader, string topic, string? binaryHeader, string partitionHeader, string offsetHeader, string? sourceTopic, long sinceMs,
        HashSet<int> partitions, Dictionary<int, long> floor, Dictionary<int, HashSet<long>> into)
    {
        var metadata = OutputPartitions(topic);
        var starts = new List<TopicPartitionOffset>();
        var ends = new Dictionary<int, long>();
        foreach (int p in metadata)
        {
            var tp = new TopicPartition(topic, p);
            var marks = reader.QueryWatermarkOffsets(tp, _timeout);
            if (marks.High.Value > marks.Low.Value)
            {
                starts.Add(new TopicPartitionOffset(tp, marks.Low));
                ends[p] = marks.High.Value;
            }
        }
        if (starts.Count == 0)
        {
            return;
        }
        if (sinceMs > 0)
        {
            var byTime = reader.OffsetsForTimes(starts.Select(s => new TopicPartitionTimestamp(s.TopicPartition, new Timestamp(sinceMs, TimestampType.CreateTime))), _timeout)
                .ToDictionary(o => o.Partition.Value, o => o.Offset.Value);
            starts = starts.Select(s => byTime.TryGetValue(s.Partition.Value, out long f) && f > s.Offset.Value ? new TopicPartitionOffset(s.TopicPartition, f) : s).ToList();
        }
        reader.Assign(starts);
        var open = new HashSet<int>(ends.Keys);
        var deadline = Stopwatch.StartNew();
        long read = 0;
        while (open.Count > 0)
        {
            if (deadline.Elapsed > _timeout)
            {
                throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"reading topic {topic} back took longer than {_timeout.TotalSeconds:F0} s"));
            }
            var r = reader.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null)
            {
                continue;
            }
            if (r.IsPartitionEOF || r.Offset.Value + 1 >= ends.GetValueOrDefault(r.Partition.Value, long.MaxValue))
            {
                open.Remove(r.Partition.Value);
                if (r.IsPartitionEOF)
                {
                    continue;
                }
            }
            read++;
            var headers = r.Message.Headers;
            if (headers is not null && RunHeaders.TryReadCoordinates(headers, binaryHeader, partitionHeader, offsetHeader, out long p, out long offset)
                && partitions.Contains((int)p) && offset >= floor[(int)p] && FromTopic(headers, sourceTopic))
            {
                if (!into.TryGetValue((int)p, out var set))
                {
                    into[(int)p] = set = new HashSet<long>();
                }
                set.Add(offset);
            }
        }
        reader.Unassign();
        _log.Info("recovery", $"scanned topic={topic} records={read} ms={deadline.ElapsedMilliseconds}");
    }

    // A dead letter names the topic it was read from: with re-keying, input and repartition partitions share numbers.
    private static bool FromTopic(Headers headers, string? topic) =>
        topic is null || !headers.TryGetLastBytes(RunHeaders.DeadLetterTopic, out var t) || System.Text.Encoding.UTF8.GetString(t) == topic;

    /// <summary>
    /// Plans newly assigned input partitions of the re-key stage (<see cref="Repartitioner"/>): each resumes at the
    /// group's committed offset C; the input offsets at or after C whose dead letter is already in Kafka are found
    /// as for state partitions, and, where the supplier says offsets are stored after the transactions that carry
    /// them (the test broker), so are those whose copy is already in the repartition topic. On Kafka the copies and
    /// the offsets commit atomically, so that scan is skipped.
    /// </summary>
    /// <exception cref="KafkaException">Kafka did not answer in time.</exception>
    public Dictionary<int, RecoveryPoint> PlanInput(IReadOnlyList<int> partitions, Func<IEnumerable<TopicPartition>, TimeSpan, List<TopicPartitionOffset>> committed)
    {
        var result = new Dictionary<int, RecoveryPoint>();
        if (partitions.Count == 0)
        {
            return result;
        }
        using var reader = _kafka.GetRestoreConsumer(new ConsumerBuilder<Ignore, byte[]>(_options.ReaderConfig())
            .WithHostHooks(_options, _log));
        var tps = partitions.Select(p => new TopicPartition(_options.InputTopic, p)).ToList();
        var committedOffsets = committed(tps, _timeout).ToDictionary(o => o.Partition.Value, o => o.Offset);
        bool fromLatest = _options.ConsumerConfig().AutoOffsetReset == AutoOffsetReset.Latest;
        var starts = new Dictionary<int, long>();
        var highs = new Dictionary<int, long>();
        foreach (var tp in tps)
        {
            var marks = reader.QueryWatermarkOffsets(tp, _timeout);
            long low = marks.Low.Value, high = marks.High.Value;
            starts[tp.Partition.Value] = committedOffsets.TryGetValue(tp.Partition.Value, out var o) && o.Value >= 0
                ? Math.Clamp(o.Value, low, high)
                : fromLatest ? high : low;
            highs[tp.Partition.Value] = high;
        }
        var uncommitted = starts.Where(kv => highs[kv.Key] > kv.Value).Select(kv => kv.Key).ToHashSet();
        var copies = new Dictionary<int, HashSet<long>>();
        var deadLetters = new Dictionary<int, HashSet<long>>();
        if (uncommitted.Count > 0)
        {
            var anchors = ReadAnchors(reader, _options.InputTopic, uncommitted.ToDictionary(p => p, p => starts[p]));
            long since = uncommitted.Select(p => anchors.TryGetValue(p, out var a) ? a.RecordMs : 0).Min();
            since = since > ScanSkewMs ? since - ScanSkewMs : 0;
            ScanTopic(reader, _options.DeadLetterTopic, null, RunHeaders.DeadLetterPartition, RunHeaders.DeadLetterOffset, _options.InputTopic, since, uncommitted, starts, deadLetters);
            if (_kafka.StoresOffsetsAfterTransactions)
            {
                ScanTopic(reader, _options.RepartitionTopic, RunHeaders.Input, RunHeaders.InputPartition, RunHeaders.InputOffset, null, since, uncommitted, starts, copies);
            }
        }
        foreach (var (p, c) in starts)
        {
            var point = new RecoveryPoint(c, c, copies.TryGetValue(p, out var cs) ? cs : RecoveryPoint.None,
                deadLetters.TryGetValue(p, out var ds) ? ds : RecoveryPoint.None);
            result[p] = point;
            _log.Info("recovery", $"input_partition={p} committed={c} high={highs[p]} copies_already_in_kafka={point.EmittedOutputs.Count} dead_letters_already_in_kafka={point.EmittedDeadLetters.Count}");
        }
        reader.Close();
        return result;
    }

    /// <summary><see cref="PlanInput"/>, retried as <see cref="PlanRetrying"/> is.</summary>
    public Dictionary<int, RecoveryPoint>? PlanInputRetrying(IReadOnlyList<int> partitions, Func<IEnumerable<TopicPartition>, TimeSpan, List<TopicPartitionOffset>> committed, RunState state)
        => Retrying(() => PlanInput(partitions, committed), $"The input partitions {string.Join(",", partitions)} could not be planned from Kafka", state);

    private List<int> OutputPartitions(string topic)
    {
        using var admin = _kafka.GetAdmin(new AdminClientBuilder(_options.AdminConfig()).WithHostHooks(_options, _log));
        var md = admin.GetMetadata(topic, _timeout);
        var t = md.Topics.FirstOrDefault(x => x.Topic == topic);
        if (t is null || t.Error.IsError)
        {
            throw new KafkaException(new Error(ErrorCode.UnknownTopicOrPart, $"topic {topic} is not available: {t?.Error.Reason ?? "no metadata"}"));
        }
        return t.Partitions.Select(x => x.PartitionId).ToList();
    }

    private static long SaturatingSubtract(long a, long b) => a < long.MinValue + b ? long.MinValue : a - b;
}
