using HdrHistogram;
using Prometheus;

namespace Attribution.Host.Run;

/// <summary>
/// Live figures of a run, for the progress display, the summary and <c>/metrics</c>. Counters are
/// written by their owning thread and read racily by reporters (64-bit reads are atomic); the latency
/// histograms take a lock once per transaction, not per record.
/// </summary>
public sealed class PipelineStats
{
    /// <summary>Upper bounds (seconds) of the end-to-end latency buckets exported to Prometheus.</summary>
    public static readonly double[] LatencyBucketsSeconds = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30];

    private const long MaxLatencyMs = 3_600_000;
    private const long MaxCycleMicros = 3_600_000_000;

    /// <summary>Upper bounds (seconds) of the transaction cycle buckets exported to Prometheus.</summary>
    public static readonly double[] CycleBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private readonly object _latencyLock = new();
    private readonly LongHistogram _total = new(MaxLatencyMs, 3);
    private readonly LongHistogram _recent = new(MaxLatencyMs, 3);
    private readonly LongHistogram _beforeSplit = new(MaxLatencyMs, 3);
    private readonly LongHistogram _afterSplit = new(MaxLatencyMs, 3);
    private readonly LongHistogram _statusLatency = new(MaxLatencyMs, 3); // since the status page's last sample
    private readonly LongHistogram _statusCycles = new(MaxCycleMicros, 3); // µs, since the status page's last sample
    private readonly Histogram _cycleSeconds;
    private long _splitSentMs = long.MinValue; // the split is off until set: every latency counts as after it
    private readonly Histogram _latency;
    private long _consumed, _replayed, _rejected, _produced, _deadLetters, _commits, _aborts, _rewinds;
    private long _silent, _already, _unowned, _lag, _lastCommitMs, _offsetsCommitted;
    private Dictionary<int, long> _lagByPartition = new();

    /// <summary>A run's figures, all at zero.</summary>
    public PipelineStats()
    {
        _latency = Prometheus.Metrics.WithCustomRegistry(Metrics).CreateHistogram(
            "attribution_end_to_end_latency_seconds", "Input record produce time to its attribution committed, in seconds.",
            new HistogramConfiguration { Buckets = LatencyBucketsSeconds, ExemplarBehavior = ExemplarBehavior.NoExemplars() });
        _cycleSeconds = Prometheus.Metrics.WithCustomRegistry(Metrics).CreateHistogram(
            "attribution_transaction_cycle_seconds", "Duration of a committed transaction cycle (flush, produce, commit), in seconds.",
            new HistogramConfiguration { Buckets = CycleBucketsSeconds, ExemplarBehavior = ExemplarBehavior.NoExemplars() });
    }

    /// <summary>
    /// This run's Prometheus registry (not the process-wide default, so two pipelines in one process keep apart):
    /// the latency histogram is recorded into it, and the metrics server adds the other figures, read at scrape time.
    /// </summary>
    public CollectorRegistry Metrics { get; } = Prometheus.Metrics.NewCustomRegistry();

    /// <summary>Input records read from Kafka (replayed ones included).</summary>
    public long Consumed => Volatile.Read(ref _consumed);
    /// <summary>Input records replayed silently to rebuild state.</summary>
    public long Replayed => Volatile.Read(ref _replayed);
    /// <summary>Rejected input records (each dead-lettered once).</summary>
    public long Rejected => Volatile.Read(ref _rejected);
    /// <summary>Attributions produced in committed transactions.</summary>
    public long Produced => Volatile.Read(ref _produced);
    /// <summary>Dead letters produced in committed transactions.</summary>
    public long DeadLetters => Volatile.Read(ref _deadLetters);
    /// <summary>Transactions committed.</summary>
    public long Commits => Volatile.Read(ref _commits);
    /// <summary>Transactions aborted.</summary>
    public long Aborts => Volatile.Read(ref _aborts);
    /// <summary>Times the host rewound its partitions to the committed offsets.</summary>
    public long Rewinds => Volatile.Read(ref _rewinds);
    /// <summary>Attributions the engine did not encode because their input was replayed silently (sampled every 250 ms).</summary>
    public long OutputsSilenced => Volatile.Read(ref _silent);
    /// <summary>Outputs dropped because they were already in the output topic.</summary>
    public long OutputsAlreadyInKafka => Volatile.Read(ref _already);
    /// <summary>Outputs dropped because their partition was given up.</summary>
    public long OutputsUnowned => Volatile.Read(ref _unowned);
    /// <summary>Records behind the high watermark over the owned partitions.</summary>
    public long Lag => Volatile.Read(ref _lag);
    /// <summary>Input offsets committed so far (sum of advances).</summary>
    public long OffsetsCommitted => Volatile.Read(ref _offsetsCommitted);
    /// <summary>Unix ms of the last committed transaction (0 = none yet).</summary>
    public long LastCommitUnixMs => Volatile.Read(ref _lastCommitMs);
    /// <summary>Lag per owned partition.</summary>
    public IReadOnlyDictionary<int, long> LagByPartition => Volatile.Read(ref _lagByPartition);

    /// <summary>Input records re-keyed into the repartition topic (or dead-lettered there) by this host.</summary>
    public long Forwarded => Volatile.Read(ref _forwarded);

    internal void RecordForwarded() => _forwarded++;

    internal void RecordConsumed(bool replayed)
    {
        _consumed++;
        if (replayed)
        {
            _replayed++;
        }
    }

    private long _forwarded;

    internal void RecordRejected() => Interlocked.Increment(ref _rejected);

    internal void SetSilenced(long total) => Volatile.Write(ref _silent, total);

    internal void OutputsFiltered(long already, long unowned)
    {
        if ((already | unowned) != 0)
        {
            Interlocked.Add(ref _already, already);
            Interlocked.Add(ref _unowned, unowned);
        }
    }

    internal void RecordCommit(int outputs, int deadLetters, long offsetsAdvanced, long unixMs)
    {
        Interlocked.Add(ref _produced, outputs);
        Interlocked.Add(ref _deadLetters, deadLetters);
        Interlocked.Add(ref _offsetsCommitted, offsetsAdvanced);
        Interlocked.Increment(ref _commits);
        Volatile.Write(ref _lastCommitMs, unixMs);
    }

    internal void RecordAbort() => Interlocked.Increment(ref _aborts);

    internal void RecordRewind() => Interlocked.Increment(ref _rewinds);

    private long _moves, _movedRecords, _moveMicros;

    /// <summary>Partitions whose state was rebuilt after an assignment.</summary>
    public long PartitionMoves => Volatile.Read(ref _moves);

    /// <summary>Input records replayed by those rebuilds.</summary>
    public long PartitionMoveRecords => Volatile.Read(ref _movedRecords);

    /// <summary>Total seconds from assignment to rebuilt state over those moves.</summary>
    public double PartitionMoveSeconds => Volatile.Read(ref _moveMicros) / 1e6;

    private long _sharedExports, _sharedImports;

    /// <summary>Partition states written to the shared state directory.</summary>
    public long SharedExports => Volatile.Read(ref _sharedExports);

    /// <summary>Assigned partitions started from a shared state file.</summary>
    public long SharedImports => Volatile.Read(ref _sharedImports);

    internal void RecordSharedExport() => Interlocked.Increment(ref _sharedExports);

    internal void RecordSharedImport() => Interlocked.Increment(ref _sharedImports);

    internal void RecordPartitionMove(double seconds, long records)
    {
        Interlocked.Increment(ref _moves);
        Interlocked.Add(ref _movedRecords, records);
        Interlocked.Add(ref _moveMicros, (long)(seconds * 1e6));
    }

    internal void SetLag(long total, Dictionary<int, long> byPartition)
    {
        Volatile.Write(ref _lag, total);
        Volatile.Write(ref _lagByPartition, byPartition);
    }

    /// <summary>
    /// Splits the end-to-end latencies recorded from now on by their input record's time: before
    /// <paramref name="sentUnixMs"/> (a warm-up, say) or at and after it (see <see cref="LatencyPercentile(double, LatencySpan)"/>).
    /// </summary>
    public void SplitLatencies(long sentUnixMs)
    {
        lock (_latencyLock)
        {
            _splitSentMs = sentUnixMs;
        }
    }

    /// <summary>Records end-to-end latencies (input produce time → output committed at <paramref name="committedUnixMs"/>) of one transaction.</summary>
    internal void RecordLatencies(ReadOnlySpan<long> latenciesMs, long committedUnixMs = long.MaxValue)
    {
        if (latenciesMs.IsEmpty)
        {
            return;
        }
        lock (_latencyLock)
        {
            foreach (long raw in latenciesMs)
            {
                long ms = Math.Clamp(raw, 0, MaxLatencyMs);
                _total.RecordValue(ms);
                _recent.RecordValue(ms);
                _statusLatency.RecordValue(ms);
                (committedUnixMs - raw < _splitSentMs ? _beforeSplit : _afterSplit).RecordValue(ms);
                _latency.Observe(ms / 1000.0);
            }
        }
    }

    /// <summary>Percentile (0..100) of the end-to-end latency since the start, in ms (0 when none).</summary>
    public long LatencyPercentile(double percentile) => LatencyPercentile(percentile, LatencySpan.All);

    /// <summary>Percentile (0..100) of the end-to-end latencies of <paramref name="span"/>, in ms (0 when none).</summary>
    public long LatencyPercentile(double percentile, LatencySpan span)
    {
        lock (_latencyLock)
        {
            var h = Of(span);
            return h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(percentile);
        }
    }

    /// <summary>How many end-to-end latencies <paramref name="span"/> holds.</summary>
    public long LatencyCount(LatencySpan span)
    {
        lock (_latencyLock)
        {
            return Of(span).TotalCount;
        }
    }

    private LongHistogram Of(LatencySpan span) => span switch
    {
        LatencySpan.BeforeSplit => _beforeSplit,
        LatencySpan.AfterSplit => _afterSplit,
        _ => _total,
    };

    /// <summary>Percentile of the latencies recorded since the previous call (a sliding view for live display); -1 when none.</summary>
    public long TakeRecentPercentile(double percentile)
    {
        lock (_latencyLock)
        {
            if (_recent.TotalCount == 0)
            {
                return -1;
            }
            long v = _recent.GetValueAtPercentile(percentile);
            _recent.Reset();
            return v;
        }
    }

    /// <summary>Records the duration of one committed transaction cycle (transaction loop, once per transaction).</summary>
    internal void RecordCycle(double seconds)
    {
        _cycleSeconds.Observe(seconds);
        lock (_latencyLock)
        {
            _statusCycles.RecordValue(Math.Clamp((long)(seconds * 1e6), 0, MaxCycleMicros));
        }
    }

    /// <summary>
    /// The end-to-end latencies (ms) and transaction cycle durations (µs) recorded since the previous call, as a
    /// window of the status page's time series; each histogram's count is 0 when it has none. Resets both.
    /// </summary>
    public StatusWindow TakeStatusWindow()
    {
        lock (_latencyLock)
        {
            var w = new StatusWindow(
                _statusLatency.TotalCount, Percentile(_statusLatency, 50), Percentile(_statusLatency, 99), _statusLatency.TotalCount == 0 ? 0 : _statusLatency.GetMaxValue(),
                _statusCycles.TotalCount, Percentile(_statusCycles, 50), Percentile(_statusCycles, 99), _statusCycles.TotalCount == 0 ? 0 : _statusCycles.GetMaxValue());
            _statusLatency.Reset();
            _statusCycles.Reset();
            return w;
        }
    }

    private static long Percentile(LongHistogram h, double p) => h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(p);
}
