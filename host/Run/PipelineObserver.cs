using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Observability of the run: where each host thread is (stall reports every 5 s), consumer lag, end-to-end
/// latency of committed attributions, and the end of each partition's move. Writes <see cref="PipelineStats"/>
/// and the log; owns no pipeline state.
/// </summary>
internal sealed class PipelineObserver : IDisposable
{
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(10);

    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly PipelineStats _stats;
    private readonly List<PartitionSlot> _inputSlots = new();
    private long[] _streamedTimes = new long[1024]; // record times of the open transaction's attributions, then their latencies
    private int _streamedCount;
    private int _streamedOutputs;
    private Timer? _stallTimer;
    private readonly StateSpillReport _spill;

    /// <summary>Creates the observer of a run.</summary>
    public PipelineObserver(RunOptions options, RunLog log, PipelineStats stats)
    {
        _options = options;
        _log = log;
        _stats = stats;
        _spill = new StateSpillReport(log);
    }

    /// <summary>Where the source thread is.</summary>
    public StageClock Source { get; } = new("source");

    /// <summary>Where the transaction loop's thread is.</summary>
    public StageClock Transactions { get; } = new("transactions");

    /// <summary>Starts the stall reports (a timer thread reads the two stage clocks).</summary>
    public void StartStallReports()
    {
        _stallTimer ??= new Timer(_ => ReportStalls(), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    private void ReportStalls()
    {
        foreach (var clock in new[] { Source, Transactions })
        {
            if (clock.Stalled(StallLimit) is { } stall)
            {
                _log.Warn("stall", $"thread={clock.Thread} stage={stall.Stage} seconds={stall.Duration.TotalSeconds:F0}");
            }
        }
    }

    /// <summary>Reads the high watermarks of the owned partitions and the engine's silenced count (source thread, every 250 ms).</summary>
    /// <remarks>When re-keying, the input partitions' lag (records not yet copied) is added to the total; the per-partition figures are the state partitions'.</remarks>
    public void UpdateLag(IConsumer<RawValue, RawValue> consumer, PartitionTable table, AttributionEngine engine, Repartitioner? repartitioner = null)
    {
        _stats.SetSilenced(engine.SilencedOutputs);
        _spill.Check(engine.StateSize(), engine.Options);
        var lag = new Dictionary<int, long>();
        long total = 0;
        foreach (var slot in table.Owned())
        {
            var tp = new TopicPartition(_options.StateTopic, slot.Partition);
            var marks = consumer.GetWatermarkOffsets(tp);
            if (marks.High.Value >= 0)
            {
                // The consumer's position also steps over transaction markers (the repartition topic is written transactionally).
                long l = Math.Max(0, marks.High.Value - Math.Max(slot.ConsumedNext, PositionOf(consumer, tp)));
                lag[slot.Partition] = l;
                total += l;
            }
        }
        if (repartitioner is not null)
        {
            _inputSlots.Clear();
            repartitioner.Owned(_inputSlots);
            foreach (var slot in _inputSlots)
            {
                var marks = consumer.GetWatermarkOffsets(new TopicPartition(_options.InputTopic, slot.Partition));
                if (marks.High.Value >= 0)
                {
                    total += Math.Max(0, marks.High.Value - slot.ConsumedNext);
                }
            }
        }
        _stats.SetLag(total, lag);
    }

    /// <summary>The consumer's next offset for a partition, or -1 when it has none.</summary>
    public static long PositionOf(IConsumer<RawValue, RawValue> consumer, TopicPartition tp)
    {
        try
        {
            return consumer.Position(tp).Value;
        }
        catch (KafkaException)
        {
            return -1;
        }
    }

    /// <summary>Notes the record times of attributions streamed into the open transaction (transaction loop).</summary>
    public void Streamed(PendingOutputs outputs, PartitionTable table)
    {
        _streamedOutputs += outputs.Count;
        _streamedTimes = RecordTimes(outputs, table, _streamedTimes, ref _streamedCount);
    }

    /// <summary>Forgets what was streamed into a transaction that aborted.</summary>
    public void StreamDiscarded() => _streamedOutputs = _streamedCount = 0;

    /// <summary>Counts a committed transaction and the latency of its attributions, streamed ones included (transaction loop).</summary>
    public void Committed(PendingOutputs outputs, int deadLetters, long offsetsAdvanced, PartitionTable table)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _stats.RecordCommit(outputs.Count + _streamedOutputs, deadLetters, offsetsAdvanced, now);
        _streamedTimes = RecordTimes(outputs, table, _streamedTimes, ref _streamedCount);
        for (int i = 0; i < _streamedCount; i++)
        {
            _streamedTimes[i] = now - _streamedTimes[i];
        }
        _stats.RecordLatencies(_streamedTimes.AsSpan(0, _streamedCount), now);
        StreamDiscarded();
    }

    // Appends the record time of each output whose input time is still known; grows the array as needed.
    private static long[] RecordTimes(PendingOutputs outputs, PartitionTable table, long[] times, ref int count)
    {
        if (times.Length < count + outputs.Count)
        {
            Array.Resize(ref times, Math.Max(count + outputs.Count, times.Length * 2));
        }
        for (int i = 0; i < outputs.Count; i++)
        {
            ref readonly PendingOutput o = ref outputs[i];
            if (table.Get(o.Partition) is { } slot && slot.TimestampOf(o.Offset) is var ts && ts > 0)
            {
                times[count++] = ts;
            }
        }
        return times;
    }

    /// <summary>Logs the end of a partition's move: the state is rebuilt up to the committed offset and new input follows.</summary>
    public void Rebuilt(PartitionSlot slot)
    {
        slot.Rebuilt = true;
        double ms = Stopwatch.GetElapsedTime(slot.RecoveryStartedAt).TotalMilliseconds;
        long records = Math.Max(0, slot.Point.Committed - slot.Point.Start);
        _log.Info("recovery", string.Create(CultureInfo.InvariantCulture, $"partition={slot.Partition} rebuilt records={records} ms={ms:F0}"));
        _stats.RecordPartitionMove(ms / 1000.0, records);
    }

    /// <inheritdoc/>
    public void Dispose() => _stallTimer?.Dispose();
}
