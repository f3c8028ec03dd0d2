using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The source loop, on the thread that calls <see cref="KafkaPipeline.Run"/>: polls the group consumer and hands
/// each record to the engine straight from the deserializer's buffer (no copy); queues rejected records as dead
/// letters; between records, rewinds when the transaction loop asks, cuts snapshots when due and reports lag.
/// The consumer's rebalance callbacks also run here, inside Consume (<see cref="RebalanceHandler"/>).
/// </summary>
internal sealed class SourceLoop(RunOptions options, RunLog log, PipelineStats stats, AttributionEngine engine, PartitionTable table,
    DeadLetterQueue deadLetters, TransactionLoop transactions, SnapshotScheduler snapshots, PipelineObserver observer, RunState state,
    RawValueDeserializer keys, RawValueDeserializer values, Repartitioner? repartitioner, MisKeyedReport misKeyed, IUserPlacement? placement)
{
    private readonly bool _rejectMisKeyed = options.InputKeying == InputKeying.Reject;

    /// <summary>Polls until <paramref name="stop"/> is cancelled or the run failed; sets <paramref name="ready"/> once partitions are owned.</summary>
    public void Run(IConsumer<RawValue, RawValue> consumer, ManualResetEventSlim ready, CancellationToken stop)
    {
        var stage = observer.Source;
        long nextLag = 0;
        while (!stop.IsCancellationRequested && !state.Failed)
        {
            if (transactions.RewindPending)
            {
                stage.Enter("rewind:wait_transactions");
                foreach (var start in transactions.Rewind(consumer))
                {
                    SeekWithRetry(consumer, start);
                }
                continue;
            }
            ConsumeResult<RawValue, RawValue>? r;
            try
            {
                stage.Enter("idle:consume");
                r = consumer.Consume(TimeSpan.FromMilliseconds(100));
                stage.Enter("handle");
            }
            catch (ConsumeException e)
            {
                if (e.Error.IsFatal)
                {
                    state.Fail($"The Kafka consumer failed fatally: {e.Error.Reason}.");
                    break;
                }
                log.Warn("consumer", $"code={e.Error.Code} reason=\"{e.Error.Reason}\"");
                continue;
            }
            if (r is not null && !r.IsPartitionEOF)
            {
                if (repartitioner is not null && r.Topic == options.InputTopic)
                {
                    Rekey(repartitioner, consumer, r);
                }
                else
                {
                    Handle(r);
                }
            }
            repartitioner?.Release(consumer); // records held back for a silent partition go after the idle limit
            snapshots.Tick();
            if (Environment.TickCount64 >= nextLag)
            {
                observer.UpdateLag(consumer, table, engine, repartitioner);
                misKeyed.MaybeReport(Environment.TickCount64);
                nextLag = Environment.TickCount64 + 250;
                if (!ready.IsSet && (table.Owned().Count > 0 || repartitioner?.AnyOwned == true))
                {
                    ready.Set();
                }
            }
        }
    }

    private void Handle(ConsumeResult<RawValue, RawValue> r)
    {
        int p = r.Partition.Value;
        long offset = r.Offset.Value;
        PartitionSlot? slot = table.Get(p);
        if (slot is null || !slot.Owned || offset < slot.ConsumedNext)
        {
            return; // not (or no longer) ours, or a record from before a seek
        }
        bool replay = offset < slot.Point.Committed;
        RawValue value = r.Message.Value;
        RejectReason reason;
        RecordField field = RecordField.None;
        int userPartition = p;
        RawValue key = r.Message.Key;
        if (value.IsNull || value.Length == 0)
        {
            reason = RejectReason.InvalidJson;
            engine.CountRejected(reason);
        }
        else
        {
            try
            {
                reason = engine.SubmitPlaced(values.Buffer.AsSpan(0, value.Length), out field, out userPartition, offset, p, options.InputFormat,
                    placement, _rejectMisKeyed);
            }
            catch (ShardFailedException e)
            {
                throw TransactionLoop.Stopped(e);
            }
        }
        if (userPartition != p)
        {
            // Trust or reject: the record is not keyed by user id (with re-keying, placement is null and every record is).
            if (!replay)
            {
                misKeyed.Record(p, userPartition, keys.Buffer.AsSpan(0, key.IsNull ? 0 : key.Length), key.IsNull);
            }
            if (_rejectMisKeyed && !replay)
            {
                stats.RecordRejected();
                if (!slot.Point.EmittedDeadLetters.Contains(offset))
                {
                    deadLetters.Add(DeadLetter.Of(p, offset, MisKeyedReason,
                        keys.Buffer.AsSpan(0, key.IsNull ? 0 : key.Length), key.IsNull, values.Buffer.AsSpan(0, value.Length), false));
                }
            }
        }
        if (reason != RejectReason.None && !replay)
        {
            stats.RecordRejected();
            if (!slot.Point.EmittedDeadLetters.Contains(offset))
            {
                deadLetters.Add(DeadLetter.Of(p, offset, RejectReasons.Name(reason),
                    keys.Buffer.AsSpan(0, key.IsNull ? 0 : key.Length), key.IsNull,
                    values.Buffer.AsSpan(0, value.IsNull ? 0 : value.Length), value.IsNull)
                    with { Field = RecordFieldNames.Name(field), Input = InputOf(r) });
            }
        }
        slot.Consumed(offset, r.Message.Timestamp.UnixTimestampMs);
        stats.RecordConsumed(replay);
        if (!slot.Rebuilt && offset + 1 >= slot.Point.Committed)
        {
            observer.Rebuilt(slot);
        }
    }

    /// <summary>The dead-letter reason of a record rejected because its partition is not its user's (<see cref="InputKeying.Reject"/>).</summary>
    public const string MisKeyedReason = "mis_keyed";

    private void Rekey(Repartitioner stage, IConsumer<RawValue, RawValue> consumer, ConsumeResult<RawValue, RawValue> r)
    {
        RawValue key = r.Message.Key;
        RawValue value = r.Message.Value;
        stage.Handle(consumer, r.Partition.Value, r.Offset.Value, r.Message.Timestamp.UnixTimestampMs,
            keys.Buffer.AsSpan(0, key.IsNull ? 0 : key.Length), key.IsNull,
            values.Buffer.AsSpan(0, value.IsNull ? 0 : value.Length), value.IsNull);
    }

    // A repartition record names the input record it was copied from; its dead letter says so too (rare: no per-record cost).
    private (int, long) InputOf(ConsumeResult<RawValue, RawValue> r)
    {
        if (repartitioner is not null && r.Message.Headers is { } headers
            && RunHeaders.TryReadCoordinates(headers, RunHeaders.Input, RunHeaders.InputPartition, RunHeaders.InputOffset, out long partition, out long offset))
        {
            return ((int)partition, offset);
        }
        return (-1, -1);
    }

    private void SeekWithRetry(IConsumer<RawValue, RawValue> consumer, TopicPartitionOffset to)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                consumer.Seek(to);
                return;
            }
            catch (KafkaException e) when (attempt < 50)
            {
                log.Warn("rewind", $"seek_retry partition={to.Partition.Value} reason=\"{e.Error.Reason}\"");
                Thread.Sleep(100);
            }
        }
    }
}
