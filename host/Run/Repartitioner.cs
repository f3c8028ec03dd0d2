using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The re-key stage of <see cref="InputKeying.Rekey"/> (Kafka Streams' repartition): every input record is decoded,
/// checked and copied to the repartition topic's partition of its user id, keyed by the user id; the copy and the
/// input offset commit in the same transaction (<see cref="TransactionLoop"/>), so each input record reaches the
/// repartition topic exactly once. The engine's state partitions then read that topic, where every event of a user
/// is in one partition whatever the input's keying. Owns the slots of the input partitions this host consumes.
/// </summary>
/// <remarks>
/// Records that cannot be decoded are dead-lettered here, with their input coordinates. The copy keeps the input
/// record's value bytes and Kafka timestamp, and carries the input partition and offset as headers. Slots change on
/// the transaction loop's thread; the source thread handles records and reads them lock-free.
/// </remarks>
internal sealed class Repartitioner
{
    private readonly RunOptions _options;
    private readonly PipelineStats _stats;
    private readonly AttributionEngine _engine;
    private readonly DeadLetterQueue _deadLetters;
    private readonly MisKeyedReport _misKeyed;
    private readonly PartitionDirectory _slots = new();
    private readonly PendingExchange _copies = new();
    private int _inputPartitions = 1;
    private int _statePartitions = 1;
    private readonly InputMerge _merge = new();
    private readonly Func<int, bool> _mayHaveMore;
    private long[] _nextQueued = new long[64];
    private long[] _moreAt = new long[64];
    private bool[] _more = new bool[64];
    private TopicPartition?[]? _topics;
    private IConsumer<RawValue, RawValue>? _consumer;
    private EventRecord _scratch;

    /// <summary>Creates the stage; <see cref="SetLayout"/> gives it the topics' partition counts before the first record.</summary>
    public Repartitioner(RunOptions options, PipelineStats stats, AttributionEngine engine, DeadLetterQueue deadLetters, MisKeyedReport misKeyed)
    {
        _options = options;
        _stats = stats;
        _engine = engine;
        _deadLetters = deadLetters;
        _misKeyed = misKeyed;
        _mayHaveMore = MayHaveMore;
    }

    /// <summary>Sets the partition counts of the input and repartition topics (read at start; before the consumer joins).</summary>
    public void SetLayout(TopicLayout layout)
    {
        _inputPartitions = layout.InputPartitions;
        _statePartitions = layout.StatePartitions;
    }

    /// <summary>The dead letters of input records (their coordinates are the input topic's).</summary>
    public DeadLetterQueue DeadLetters => _deadLetters;

    /// <summary>The slot of an owned input partition, or null.</summary>
    public PartitionSlot? Get(int partition) => _slots.Get(partition);

    /// <summary>Fills <paramref name="into"/> with the owned input slots.</summary>
    public void Owned(List<PartitionSlot> into) => _slots.Owned(into);

    /// <summary>Whether this host consumes any input partition.</summary>
    public bool AnyOwned => _slots.Owned().Count > 0;

    /// <summary>The committed offset of an owned input partition, or -1.</summary>
    public long CommittedOffset(int partition) => _slots.Get(partition) is { Owned: true } s ? s.Committed : -1;

    /// <summary>
    /// Takes one input record (source thread): decodes it and queues it in its partition's queue of the
    /// <see cref="InputMerge"/>; <see cref="Release"/> (called by the source loop after every poll) copies (or dead-letters) queued records in event-time order.
    /// <paramref name="key"/> is the input record's Kafka key (for dead letters and the mis-keyed report).
    /// </summary>
    public void Handle(IConsumer<RawValue, RawValue> consumer, int partition, long offset, long timestampMs, ReadOnlySpan<byte> key, bool keyIsNull,
        ReadOnlySpan<byte> value, bool valueIsNull)
    {
        PartitionSlot? slot = _slots.Get(partition);
        if (slot is null || !slot.Owned || offset < _nextQueued[partition])
        {
            return; // not (or no longer) ours, or a record from before a seek
        }
        RejectReason reason;
        _scratch.RejectedField = RecordField.None;
        if (valueIsNull || value.Length == 0)
        {
            reason = RejectReason.InvalidJson;
        }
        else
        {
            reason = _options.InputFormat == WireFormat.Json
                ? JsonEventReader.Read(value, ref _scratch, _options.Attribution.MaxRecordBytes)
                : MessagePackEventReader.Read(value, ref _scratch, _options.Attribution.MaxRecordBytes);
        }
        var entry = new InputMerge.Entry
        {
            Offset = offset, Timestamp = timestampMs, Reason = reason, Field = _scratch.RejectedField,
            OrderKey = reason == RejectReason.None ? _scratch.Timestamp : long.MinValue, KeyIsNull = keyIsNull, ValueIsNull = valueIsNull,
        };
        ReadOnlySpan<byte> user = default;
        if (reason == RejectReason.None)
        {
            user = _scratch.Get(_scratch.UserId);
            int expected = KafkaPartitioner.Partition(_options.InputPartitioner, user, _inputPartitions);
            if (expected != partition)
            {
                _misKeyed.Record(partition, expected, key, keyIsNull);
            }
        }
        _nextQueued[partition] = offset + 1;
        if (_merge.Add(partition, entry, key, user, value))
        {
            consumer.Pause([new TopicPartition(_options.InputTopic, partition)]);
            _merge.SetPaused(partition, true);
        }
    }

    /// <summary>Copies queued records whose turn has come (source thread, after every poll, whether or not a record arrived).</summary>
    public void Release(IConsumer<RawValue, RawValue> consumer)
    {
        _consumer = consumer;
        int p;
        while ((p = _merge.Next(Environment.TickCount64, _mayHaveMore)) >= 0)
        {
            ref readonly InputMerge.Entry e = ref _merge.Head(p);
            PartitionSlot? slot = _slots.Get(p);
            if (slot is not null && slot.Owned)
            {
                Emit(slot, p, in e);
            }
            if (_merge.Pop(p))
            {
                consumer.Resume([new TopicPartition(_options.InputTopic, p)]);
                _merge.SetPaused(p, false);
            }
        }
    }

    private void Emit(PartitionSlot slot, int partition, in InputMerge.Entry e)
    {
        if (e.Reason != RejectReason.None)
        {
            _engine.CountRejected(e.Reason);
            _stats.RecordRejected();
            if (!slot.Point.EmittedDeadLetters.Contains(e.Offset))
            {
                _deadLetters.Add(DeadLetter.Of(partition, e.Offset, RejectReasons.Name(e.Reason), _merge.Bytes(partition, e.KeyStart, e.KeyLength), e.KeyIsNull,
                    _merge.Bytes(partition, e.ValueStart, e.ValueLength), e.ValueIsNull) with { Field = RecordFieldNames.Name(e.Field), Topic = _options.InputTopic });
            }
        }
        else if (!slot.Point.EmittedOutputs.Contains(e.Offset))
        {
            // Offsets whose copy is already in the repartition topic (found by recovery) are not copied again.
            ReadOnlySpan<byte> user = _merge.Bytes(partition, e.UserStart, e.UserLength);
            int target = KafkaPartitioner.Murmur2(user, _statePartitions);
            lock (_copies.Gate)
            {
                _copies.Filling.Add(partition, e.Offset, user, _merge.Bytes(partition, e.ValueStart, e.ValueLength), target, e.Timestamp);
            }
        }
        slot.Consumed(e.Offset, e.Timestamp);
        _stats.RecordForwarded();
    }

    // Whether an input partition with nothing queued has records the consumer has not delivered yet; asked of
    // librdkafka at most every few milliseconds per partition (the answer only delays, it never reorders a partition).
    private bool MayHaveMore(int partition)
    {
        if (_consumer is not { } consumer)
        {
            return false;
        }
        if (partition >= _moreAt.Length)
        {
            Array.Resize(ref _moreAt, Math.Max(partition + 1, _moreAt.Length * 2));
            Array.Resize(ref _more, _moreAt.Length);
        }
        long now = Environment.TickCount64;
        if (now - _moreAt[partition] >= 5)
        {
            _topics ??= new TopicPartition?[_moreAt.Length];
            if (partition >= _topics.Length)
            {
                Array.Resize(ref _topics, _moreAt.Length);
            }
            var tp = _topics[partition] ??= new TopicPartition(_options.InputTopic, partition);
            long high = consumer.GetWatermarkOffsets(tp).High.Value;
            // Not fetched yet: the end is unknown, so it may have more.
            _more[partition] = high < 0 || high > Math.Max(_nextQueued[partition], PipelineObserver.PositionOf(consumer, tp));
            _moreAt[partition] = now;
        }
        return _more[partition];
    }

    /// <summary>Takes the copies made so far (transaction loop); give the buffer back with <see cref="Return"/>.</summary>
    public PendingOutputs Take() => _copies.Take();

    /// <summary>Returns a taken buffer for reuse.</summary>
    public void Return(PendingOutputs buffer) => _copies.Return(buffer);

    /// <summary>Installs slots for newly assigned input partitions, resuming at their committed offsets (transaction loop).</summary>
    public void Assign(Dictionary<int, RecoveryPoint> plan)
    {
        foreach (var (p, point) in plan)
        {
            _deadLetters.Discard(p);
            if (p >= _nextQueued.Length)
            {
                Array.Resize(ref _nextQueued, Math.Max(p + 1, _nextQueued.Length * 2));
            }
            _nextQueued[p] = point.Start;
            if (_merge.Close(p))
            {
                _consumer?.Resume([new TopicPartition(_options.InputTopic, p)]);
            }
            _merge.Open(p);
            _slots.Set(new PartitionSlot(p, point) { Rebuilt = true });
        }
    }

    /// <summary>Records the offset a committed transaction stored for an input partition.</summary>
    public void Committed(int partition, long offset)
    {
        if (_slots.Get(partition) is { } slot)
        {
            slot.Committed = offset;
        }
    }

    /// <summary>Forgets input partitions (revoked, lost, or before a rewind).</summary>
    public void Remove(IEnumerable<int> partitions)
    {
        foreach (int p in partitions)
        {
            _slots.Remove(p);
            _deadLetters.Discard(p);
            if (_merge.Close(p))
            {
                _consumer?.Resume([new TopicPartition(_options.InputTopic, p)]); // a rewound partition must fetch again
            }
        }
    }

    /// <summary>Forgets every owned input partition and the copies not yet committed; returns the partitions.</summary>
    public List<int> RemoveAll()
    {
        var partitions = _slots.Owned().Select(s => s.Partition).ToList();
        Remove(partitions);
        _copies.Discard();
        _deadLetters.Discard();
        return partitions;
    }
}
