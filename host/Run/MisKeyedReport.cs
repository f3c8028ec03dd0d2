using System.Globalization;
using System.Text;
using Prometheus;

namespace Attribution.Host.Run;

/// <summary>
/// Counts input records that sit in a partition other than the one their user id maps to, per input partition, and
/// tells the operator: at most one warning line per partition and report period, with one sample key, and the
/// counter <c>attribution_input_miskeyed_records_total{partition}</c>. Written by the source thread only
/// (<see cref="Record"/> allocates nothing once a partition has its sample buffer); <see cref="Total"/> and
/// <see cref="Count"/> may be read from any thread (racy, 64-bit reads are atomic).
/// </summary>
public sealed class MisKeyedReport
{
    /// <summary>Name of the Prometheus counter of mis-keyed input records, labelled by <c>partition</c>.</summary>
    public const string MetricName = "attribution_input_miskeyed_records_total";

    /// <summary>Longest sample key shown in a line, in characters after escaping.</summary>
    public const int SampleKeyChars = 64;

    /// <summary>The report period when none is given.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(10);

    // Raw key bytes kept per sample: enough for 64 characters of 4-byte UTF-8; a longer key is cut anyway.
    private const int SampleBytes = 4 * SampleKeyChars;

    private readonly RunLog _log;
    private readonly string _mode;
    private readonly long _periodMs;
    private readonly Counter _metric;
    private long _total;
    private long _lastLineMs;
    private bool _anyLine;
    private Slot[] _slots;

    /// <summary>
    /// A report for an input topic of <paramref name="partitions"/> partitions (more are taken on when seen) that
    /// writes to <paramref name="log"/>, names <paramref name="mode"/> (the <c>--input-keying</c> mode) in each line,
    /// and registers its counter on <paramref name="metrics"/> (the run's registry, <see cref="PipelineStats.Metrics"/>).
    /// </summary>
    /// <param name="period">Shortest time between two lines for one partition; <see cref="DefaultPeriod"/> when null.</param>
    public MisKeyedReport(RunLog log, CollectorRegistry metrics, string mode, int partitions, TimeSpan? period = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentException.ThrowIfNullOrWhiteSpace(mode);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        TimeSpan every = period ?? DefaultPeriod;
        ArgumentOutOfRangeException.ThrowIfLessThan(every, TimeSpan.Zero);
        _log = log;
        _mode = mode;
        _periodMs = (long)every.TotalMilliseconds;
        // No exemplars: recording one would read the current activity per increment.
        _metric = Metrics.WithCustomRegistry(metrics).CreateCounter(MetricName,
            "Input records whose partition is not the one their user id maps to, by input partition.",
            new CounterConfiguration { LabelNames = ["partition"], ExemplarBehavior = ExemplarBehavior.NoExemplars() });
        _slots = [];
        Grow(partitions);
    }

    /// <summary>Mis-keyed records counted so far over all partitions.</summary>
    public long Total => Volatile.Read(ref _total);

    /// <summary>Mis-keyed records counted so far in input partition <paramref name="partition"/>.</summary>
    public long Count(int partition)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        return (uint)partition < (uint)slots.Length ? Volatile.Read(ref slots[partition].Count) : 0;
    }

    /// <summary>
    /// Counts one input record read from <paramref name="partition"/> when its user id maps to another partition,
    /// <paramref name="expectedPartition"/>; a record in its own partition costs one comparison. The record's Kafka key
    /// (<paramref name="kafkaKey"/>, or none when <paramref name="keyIsNull"/>) is copied only to refresh the sample:
    /// when the partition has none, or once after each line.
    /// </summary>
    public void Record(int partition, int expectedPartition, ReadOnlySpan<byte> kafkaKey, bool keyIsNull)
    {
        if (partition == expectedPartition)
        {
            return;
        }
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        if (partition >= _slots.Length)
        {
            Grow(partition + 1);
        }
        ref Slot slot = ref _slots[partition];
        Volatile.Write(ref slot.Count, slot.Count + 1);
        Volatile.Write(ref _total, _total + 1);
        slot.Metric.Inc();
        if (slot.WantsSample)
        {
            slot.WantsSample = false;
            slot.SampleExpected = expectedPartition;
            slot.SampleIsNull = keyIsNull;
            slot.SampleLength = keyIsNull ? 0 : kafkaKey.Length;
            if (!keyIsNull)
            {
                slot.Sample ??= new byte[SampleBytes];
                kafkaKey[..Math.Min(kafkaKey.Length, SampleBytes)].CopyTo(slot.Sample);
            }
        }
    }

    /// <summary>
    /// Writes one warning per partition that counted mis-keyed records since its last line, unless a line was written
    /// less than a period before <paramref name="nowMs"/> (any monotonic milliseconds). Call it from the source thread.
    /// </summary>
    public void MaybeReport(long nowMs)
    {
        if (_anyLine && nowMs - _lastLineMs < _periodMs)
        {
            return;
        }
        bool wrote = false;
        for (int p = 0; p < _slots.Length; p++)
        {
            ref Slot slot = ref _slots[p];
            long news = slot.Count - slot.Reported;
            if (news == 0)
            {
                continue;
            }
            _log.Warn("keying", Line(p, news, ref slot));
            slot.Reported = slot.Count;
            slot.WantsSample = true;
            wrote = true;
        }
        if (wrote)
        {
            _anyLine = true;
            _lastLineMs = nowMs;
        }
    }

    private string Line(int partition, long news, ref Slot slot)
    {
        var line = new StringBuilder(160);
        line.Append(CultureInfo.InvariantCulture, $"miskeyed partition={partition} records={news} partition_total={slot.Count}");
        line.Append(CultureInfo.InvariantCulture, $" expected_partition_of_sample={slot.SampleExpected} sample_key=");
        if (slot.SampleIsNull)
        {
            line.Append("null");
        }
        else
        {
            var stored = slot.Sample.AsSpan(0, Math.Min(slot.SampleLength, SampleBytes));
            line.Append('"');
            bool cut = MisKeyedSample.Append(line, stored, SampleKeyChars) || stored.Length < slot.SampleLength;
            line.Append('"');
            if (cut)
            {
                line.Append(CultureInfo.InvariantCulture, $" sample_key_bytes={slot.SampleLength}");
            }
        }
        line.Append(" mode=").Append(_mode);
        return line.ToString();
    }

    // Arrays of the source thread grow to a new partition count (a topic can gain partitions); readers see either array.
    private void Grow(int partitions)
    {
        var grown = new Slot[partitions];
        _slots.CopyTo(grown, 0);
        for (int p = _slots.Length; p < partitions; p++)
        {
            // Every partition's series exists from the start, at 0, so an alert on its increase fires on the first one.
            grown[p].Metric = _metric.WithLabels(p.ToString(CultureInfo.InvariantCulture));
            grown[p].WantsSample = true;
        }
        Volatile.Write(ref _slots, grown);
    }

    private struct Slot
    {
        public long Count;
        public long Reported;
        public Counter.Child Metric;
        public bool WantsSample;
        public bool SampleIsNull;
        public int SampleExpected;
        public int SampleLength;
        public byte[]? Sample;
    }
}
