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
    private readonly object _lock = new();
    private int _inputPartitions = 1;
    private int _statePartitions = 1;
    private PendingOutputs _filling = new();
    private PendingOutputs? _spare = new();
    private EventRecord _scratch;

    /// <summary>Creates the stage; <see cref="SetLayout"/> gives it the topics' partition counts before the first record.</summary>
    public Repartitioner(RunOptions options, PipelineStats stats, AttributionEngine engine, DeadLetterQueue deadLetters, MisKeyedReport misKeyed)
    {
        _options = options;
        _stats = stats;
        _engine = engine;
        _deadLetters = deadLetters;
        _misKeyed = misKeyed;
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

    /// <summary>Whether every owned input partition's consumed input is committed.</summary>
    public bool AllCommitted()
    {
        foreach (var slot in _slots.Owned())
        {
            if (slot.Committed < slot.ConsumedNext)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The committed offset of an owned input partition, or -1.</summary>
    public long CommittedOffset(int partition) => _slots.Get(partition) is { Owned: true } s ? s.Committed : -1;

    /// <summary>Re-keys one input record (source thread). <paramref name="key"/> is the input record's Kafka key (for the mis-keyed report).</summary>
    public void Handle(int partition, long offset, long timestampMs, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull)
    {
        PartitionSlot? slot = _slots.Get(partition);
        if (slot is null || !slot.Owned || offset < slot.ConsumedNext)
        {
            return; // not (or no longer) ours, or a record from before a seek
        }
        RejectReason reason;
        if (valueIsNull || value.Length == 0)
        {
            reason = RejectReason.InvalidJson;
            _scratch.RejectedField = RecordField.None;
        }
        else
        {
            _scratch.RejectedField = RecordField.None;
            reason = _options.InputFormat == WireFormat.Json
                ? JsonEventReader.Read(value, ref _scratch, _options.Attribution.MaxRecordBytes)
                : MessagePackEventReader.Read(value, ref _scratch, _options.Attribution.MaxRecordBytes);
        }
        if (reason != RejectReason.None)
        {
            _engine.CountRejected(reason);
            _stats.RecordRejected();
            if (!slot.Point.EmittedDeadLetters.Contains(offset))
            {
                _deadLetters.Add(DeadLetter.Of(partition, offset, RejectReasons.Name(reason), key, keyIsNull, value, valueIsNull)
                    with { Field = RecordFieldNames.Name(_scratch.RejectedField), Topic = _options.InputTopic });
            }
        }
        else
        {
            ReadOnlySpan<byte> user = _scratch.Get(_scratch.UserId);
            int expected = KafkaPartitioner.Partition(_options.InputPartitioner, user, _inputPartitions);
            if (expected != partition)
            {
                _misKeyed.Record(partition, expected, key, keyIsNull);
            }
            // Offsets whose copy is already in the repartition topic (found by recovery) are not copied again.
            if (!slot.Point.EmittedOutputs.Contains(offset))
            {
                int target = KafkaPartitioner.Murmur2(user, _statePartitions);
                lock (_lock)
                {
                    _filling.Add(partition, offset, user, value, target, timestampMs);
                }
            }
        }
        slot.Consumed(offset, timestampMs);
        _stats.RecordForwarded();
    }

    /// <summary>Takes the copies made so far (transaction loop); give the buffer back with <see cref="Return"/>.</summary>
    public PendingOutputs Take()
    {
        lock (_lock)
        {
            var taken = _filling;
            _filling = _spare ?? throw new InvalidOperationException("The previous batch of re-keyed records was not returned.");
            _spare = null;
            return taken;
        }
    }

    /// <summary>Returns a taken buffer for reuse.</summary>
    public void Return(PendingOutputs buffer)
    {
        buffer.Clear();
        lock (_lock)
        {
            _spare = buffer;
        }
    }

    /// <summary>Installs slots for newly assigned input partitions, resuming at their committed offsets (transaction loop).</summary>
    public void Assign(Dictionary<int, RecoveryPoint> plan)
    {
        foreach (var (p, point) in plan)
        {
            _deadLetters.Discard(p);
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
        }
    }

    /// <summary>Forgets every owned input partition and the copies not yet committed; returns the partitions.</summary>
    public List<int> RemoveAll()
    {
        var partitions = _slots.Owned().Select(s => s.Partition).ToList();
        Remove(partitions);
        lock (_lock)
        {
            _filling.Clear();
        }
        _deadLetters.Discard();
        return partitions;
    }
}
