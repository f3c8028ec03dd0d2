using System.Diagnostics;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

public sealed partial class AttributionEngine
{
    /// <summary>
    /// Decodes one record straight into the next ring slot, judges its timestamp with the event-time guard
    /// (<see cref="EventTimeGuard"/>) and publishes it. Returns <see cref="RejectReason.None"/> when accepted, else
    /// why it was rejected (counted; the caller dead-letters it). <paramref name="partition"/> &lt; 0 means hash(user_id) mod P. Blocks while the ring is full.
    /// </summary>
    /// <exception cref="SnapshotFailedException">A snapshot failed under <see cref="SnapshotFailurePolicy.Stop"/>: the engine accepts no more input.</exception>
    /// <exception cref="ShardFailedException">A shard stopped because its output or state could not be written (see <see cref="Failure"/>).</exception>
    public RejectReason Submit(ReadOnlySpan<byte> record, long position = 0, int partition = -1, WireFormat format = WireFormat.Json)
        => SubmitReportingField(record, out _, position, partition, format);

    /// <summary>
    /// <see cref="Submit"/> that also says which field a rejection is about
    /// (<paramref name="rejectedField"/>; <see cref="RecordField.None"/> when accepted or when the reason concerns the whole record).
    /// </summary>
    public RejectReason SubmitReportingField(ReadOnlySpan<byte> record, out RecordField rejectedField, long position = 0, int partition = -1, WireFormat format = WireFormat.Json)
        => SubmitPlaced(record, out rejectedField, out _, position, partition, format, null, skipMisplaced: false);

    /// <summary>
    /// <see cref="SubmitReportingField"/> that also checks where the record's user belongs:
    /// <paramref name="userPartition"/> is <paramref name="placement"/>'s partition for the decoded user id (or
    /// <paramref name="partition"/> when no placement is given or the record was rejected). When it differs from
    /// <paramref name="partition"/> and <paramref name="skipMisplaced"/> is set, the record is not applied (its position
    /// still counts as consumed) and the call returns <see cref="RejectReason.None"/>: the caller decides what to do with it.
    /// </summary>
    public RejectReason SubmitPlaced(ReadOnlySpan<byte> record, out RecordField rejectedField, out int userPartition, long position, int partition, WireFormat format,
        IUserPlacement? placement, bool skipMisplaced)
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            ThrowFailed(failure);
        }
        if (_snapshots.StopError is { } stop)
        {
            ThrowStopped(stop);
        }
        RejectReason reason;
        if (_producerLock is null)
        {
            reason = Publish(record, position, partition, format, placement, skipMisplaced, out rejectedField, out userPartition);
        }
        else
        {
            lock (_producerLock)
            {
                reason = Publish(record, position, partition, format, placement, skipMisplaced, out rejectedField, out userPartition);
            }
        }
        if (reason != RejectReason.None)
        {
            CountRejected(reason);
        }
        _snapshots.OnSubmitted();
        return reason;
    }

    // Decodes into the next slot, judges the event's time and publishes it (under the producer lock with several producers).
    private RejectReason Publish(ReadOnlySpan<byte> record, long position, int partition, WireFormat format, IUserPlacement? placement, bool skipMisplaced,
        out RecordField rejectedField, out int userPartition)
    {
        userPartition = partition;
        long seq = Next();
        ref EngineSlot slot = ref _ring[seq];
        slot.Command = null;
        slot.Record.Partition = 0;
        slot.Record.Position = position;
        slot.Record.IngestTicks = 0;
        RejectReason reason = format == WireFormat.Json
            ? JsonEventReader.Read(record, ref slot.Record, _maxRecordBytes)
            : MessagePackEventReader.Read(record, ref slot.Record, _maxRecordBytes);
        if (reason == RejectReason.None)
        {
            if (slot.Record.Kind == EventKind.Conversion)
            {
                // Only outputs carry the stamp, and only conversions make outputs: a clock read (about 30 ns on a
                // virtual clock) for the other events would measure nothing.
                slot.Record.IngestTicks = Stopwatch.GetTimestamp();
            }
            if ((uint)partition >= PartitionWatermarks.MaxPartitions)
            {
                partition = UserPartitioner.Partition(slot.Record.Get(slot.Record.UserId), _partitions);
            }
            slot.Record.Partition = partition;
            if (placement is not null)
            {
                userPartition = placement.PartitionOf(slot.Record.Get(slot.Record.UserId));
                if (skipMisplaced && userPartition != partition)
                {
                    // Not applied and not judged by the guard (its time must not move the partition's clock).
                    slot.Kind = SlotKind.Skip;
                    rejectedField = RecordField.None;
                    _ring.Publish(seq);
                    return RejectReason.None;
                }
            }
            reason = _guard.Judge(ref slot.Record);
            if (reason != RejectReason.None)
            {
                slot.Record.RejectedField = RecordField.Timestamp; // the guard judges the event's time
            }
        }
        if (reason == RejectReason.None)
        {
            slot.Kind = SlotKind.Event;
        }
        else
        {
            // The sequence is claimed and must be published; the shards skip it (the owner of a
            // given partition records its position as consumed).
            slot.Kind = SlotKind.Skip;
            slot.Record.Partition = (uint)partition < PartitionWatermarks.MaxPartitions ? partition : -1;
        }
        rejectedField = slot.Record.RejectedField;
        _ring.Publish(seq);
        return reason;
    }

    private long Next()
    {
        try
        {
            return _ring.Next();
        }
        catch (ProcessorHaltedException) when (Volatile.Read(ref _failure) is not null)
        {
            ThrowFailed(Volatile.Read(ref _failure)!);
            throw;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowFailed(ShardFailedException failure)
        => throw new ShardFailedException(failure.Shard, failure.Message, failure.InnerException!);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void ThrowStopped(SnapshotFailedException stop)
        => throw new SnapshotFailedException($"The engine stopped accepting input because a snapshot failed: {stop.Message}", stop) { Sequence = stop.Sequence };

    /// <summary>Counts a record rejected before it reached <see cref="Submit"/> (e.g. an empty Kafka value).</summary>
    public void CountRejected(RejectReason reason)
    {
        lock (_rejectionLock)
        {
            _rejections.RecordRejected(reason);
        }
    }

    /// <summary>
    /// Why the engine stopped, or null while it runs: a shard's output or state could not be written
    /// (see <see cref="ShardFailedException"/>). Once set, every call through the ring throws it.
    /// </summary>
    public ShardFailedException? Failure => Volatile.Read(ref _failure);

    // On the failing shard's thread, when it happens: the caller sees it at its next call (the first failure wins).
    // A producer waiting for ring space (a shard blocked for good) is woken by the ring's halted-consumer report.
    private void OnShardFailed(ShardFailedException failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            _ring.Sequencer.ReportConsumerHalted(new HandlerFault(failure, -1, $"shard-{failure.Shard}", HandlerHook.Event));
        }
    }
}
