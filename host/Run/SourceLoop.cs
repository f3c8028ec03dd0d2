using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The source loop, on the thread that calls <see cref="KafkaPipeline.Run"/>: drains the group consumer's queue in
/// batches (<see cref="BatchConsumer"/>) and hands each record to the engine straight from librdkafka's buffer (no
/// copy, no per-record object); queues rejected records as dead letters; between records, rewinds when the
/// transaction loop asks; between batches, cuts snapshots when due and reports lag. The consumer's rebalance
/// callbacks also run here, inside the batch poll (<see cref="RebalanceHandler"/>).
/// </summary>
internal sealed unsafe class SourceLoop(RunOptions options, RunLog log, PipelineStats stats, AttributionEngine engine, PartitionTable table,
    DeadLetterQueue deadLetters, TransactionLoop transactions, SnapshotScheduler snapshots, PipelineObserver observer, RunState state,
    RebalanceHandler rebalance, Repartitioner? repartitioner, MisKeyedReport misKeyed, IUserPlacement? placement)
{
    private readonly bool _rejectMisKeyed = options.InputKeying == InputKeying.Reject;
    private BatchConsumer? _batch;

    /// <summary>
    /// Polls until <paramref name="stop"/> is cancelled or the run failed; sets <paramref name="ready"/> once partitions are owned.
    /// <paramref name="beforePoll"/> runs before each poll (the test broker's offset shim retries refused stores there).
    /// </summary>
    public void Run(IConsumer<RawValue, RawValue> consumer, ManualResetEventSlim ready, CancellationToken stop, Action? beforePoll = null)
    {
        using var batch = new BatchConsumer(consumer, options.InputTopic);
        _batch = batch;
        var stage = observer.Source;
        long nextLag = 0;
        while (!stop.IsCancellationRequested && !state.Failed)
        {
            if (transactions.RewindPending)
            {
                batch.Release(); // records polled before the seek come again after it
                stage.Enter("rewind:wait_transactions");
                foreach (var start in transactions.Rewind(consumer))
                {
                    SeekWithRetry(consumer, start);
                }
                continue;
            }
            stage.Enter("idle:consume");
            beforePoll?.Invoke();
            batch.Poll(100);
            rebalance.ThrowIfFailed();
            stage.Enter("handle");
            RdKafkaNative.Message* m;
            while (!transactions.RewindPending && (m = batch.Next()) is not null)
            {
                if (m->Err != 0)
                {
                    if (m->Err == RdKafkaNative.PartitionEof)
                    {
                        continue;
                    }
                    if (m->Err == RdKafkaNative.Fatal)
                    {
                        state.Fail($"The Kafka consumer failed fatally: {batch.ErrorReason(m)}.");
                        break;
                    }
                    log.Warn("consumer", $"code={m->Err} reason=\"{batch.ErrorReason(m)}\"");
                    continue;
                }
                if (repartitioner is not null && batch.IsInput(m))
                {
                    Rekey(repartitioner, consumer, m);
                }
                else
                {
                    Handle(m);
                }
            }
            batch.Release();
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
        batch.Release();
        _batch = null;
    }

    private void Handle(RdKafkaNative.Message* m)
    {
        int p = m->Partition;
        long offset = m->Offset;
        PartitionSlot? slot = table.Get(p);
        if (slot is null || !slot.Owned || offset < slot.ConsumedNext)
        {
            return; // not (or no longer) ours, or a record from before a seek
        }
        bool replay = offset < slot.Point.Committed;
        bool valueIsNull = m->Payload is null;
        bool keyIsNull = m->Key is null;
        var value = new ReadOnlySpan<byte>(m->Payload, (int)m->Len);
        var key = new ReadOnlySpan<byte>(m->Key, keyIsNull ? 0 : (int)m->KeyLen);
        RejectReason reason;
        RecordField field = RecordField.None;
        int userPartition = p;
        if (valueIsNull || value.Length == 0)
        {
            reason = RejectReason.InvalidJson;
            engine.CountRejected(reason);
        }
        else
        {
            try
            {
                reason = engine.SubmitPlaced(value, out field, out userPartition, offset, p, options.InputFormat, placement, _rejectMisKeyed);
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
                misKeyed.Record(p, userPartition, key, keyIsNull);
            }
            if (_rejectMisKeyed && !replay)
            {
                stats.RecordRejected();
                if (!slot.Point.EmittedDeadLetters.Contains(offset))
                {
                    deadLetters.Add(DeadLetter.Of(p, offset, MisKeyedReason, key, keyIsNull, value, false));
                }
            }
        }
        if (reason != RejectReason.None && !replay)
        {
            stats.RecordRejected();
            if (!slot.Point.EmittedDeadLetters.Contains(offset))
            {
                deadLetters.Add(DeadLetter.Of(p, offset, RejectReasons.Name(reason), key, keyIsNull, value, valueIsNull)
                    with { Field = RecordFieldNames.Name(field), Input = InputOf(m) });
            }
        }
        slot.Consumed(offset, _batch!.Timestamp(m));
        stats.RecordConsumed(replay);
        if (!slot.Rebuilt && offset + 1 >= slot.Point.Committed)
        {
            observer.Rebuilt(slot);
        }
    }

    /// <summary>The dead-letter reason of a record rejected because its partition is not its user's (<see cref="InputKeying.Reject"/>).</summary>
    public const string MisKeyedReason = "mis_keyed";

    private void Rekey(Repartitioner stage, IConsumer<RawValue, RawValue> consumer, RdKafkaNative.Message* m)
    {
        bool keyIsNull = m->Key is null;
        stage.Handle(consumer, m->Partition, m->Offset, _batch!.Timestamp(m), new ReadOnlySpan<byte>(m->Key, keyIsNull ? 0 : (int)m->KeyLen), keyIsNull,
            new ReadOnlySpan<byte>(m->Payload, (int)m->Len), m->Payload is null);
    }

    private static readonly byte[] InputHeader = System.Text.Encoding.UTF8.GetBytes(RunHeaders.Input + "\0");
    private static readonly byte[] InputPartitionHeader = System.Text.Encoding.UTF8.GetBytes(RunHeaders.InputPartition + "\0");
    private static readonly byte[] InputOffsetHeader = System.Text.Encoding.UTF8.GetBytes(RunHeaders.InputOffset + "\0");

    // A repartition record names the input record it was copied from; its dead letter says so too (headers read only here: rare).
    private (int, long) InputOf(RdKafkaNative.Message* m)
    {
        if (repartitioner is null || _batch is not { } batch)
        {
            return (-1, -1);
        }
        if (batch.TryHeader(m, InputHeader, out var binary) && RunHeaders.TryReadCoordinates(binary, out int binaryPartition, out long binaryOffset))
        {
            return (binaryPartition, binaryOffset);
        }
        // Copies written before the binary header: the decimal pair.
        if (batch.TryHeader(m, InputPartitionHeader, out var pBytes) && RunHeaders.TryParse(pBytes, out long partition)
            && batch.TryHeader(m, InputOffsetHeader, out var oBytes) && RunHeaders.TryParse(oBytes, out long offset))
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
