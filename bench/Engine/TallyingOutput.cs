using System.Diagnostics;
using System.IO.Hashing;
using Attribution.Engine.Pipeline;
using HdrHistogram;

namespace Attribution.Bench.Engine;

/// <summary>
/// The benchmark's sink: reads every delivered byte (line-feed count, XXH3-64 of each attribution)
/// without allocating, per shard in its own padded tally. In paced runs it also records, per shard
/// thread in its own preallocated histogram, each attribution's latency from its intended send time
/// (derived from the position the runner passes to Submit: the event's index) and from the engine's
/// own Submit stamp (<see cref="OutputEntry.IngestTicks"/>).
/// </summary>
internal sealed class TallyingOutput : IEngineOutput
{
    /// <summary>Largest latency the histograms track (60 s), in nanoseconds.</summary>
    public const long HistogramMaxNanos = 60_000_000_000;

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly OutputTally[] _tallies;
    private readonly LongHistogram[]? _intended;
    private readonly LongHistogram[]? _submitted;
    private readonly double _ticksPerEvent;
    private long _startTicks;
    // Paced runs: per shard, (delivery time, the latest output's lateness from its intended send time) of each batch,
    // preallocated, for the stall timeline (LateStretches).
    private readonly (long At, long LateNanos)[][]? _timeline;
    private readonly int[]? _timelineCount;

    /// <summary>Throughput runs: tallies only.</summary>
    public TallyingOutput(int shards)
    {
        _tallies = new OutputTally[shards];
    }

    /// <summary>
    /// Paced runs: event i is meant to be submitted at the start (see <see cref="Schedule"/>) + i × <paramref name="ticksPerEvent"/>.
    /// The timeline holds a batch per output at most, so <paramref name="events"/> entries per shard keep the whole run
    /// (a fixed capacity used to cut it short on long runs while the report spoke of all of it).
    /// </summary>
    public TallyingOutput(int shards, double ticksPerEvent, int events)
        : this(shards)
    {
        _ticksPerEvent = ticksPerEvent;
        _intended = new LongHistogram[shards];
        _submitted = new LongHistogram[shards];
        _timeline = new (long, long)[shards][];
        _timelineCount = new int[shards];
        for (int i = 0; i < shards; i++)
        {
            _intended[i] = new LongHistogram(HistogramMaxNanos, 3);
            _submitted[i] = new LongHistogram(HistogramMaxNanos, 3);
            _timeline[i] = new (long, long)[events];
        }
    }

    /// <summary>
    /// Sets when event 0 is due. Call before the first Submit: publishing to the ring is a release,
    /// so the shard threads see the value before any entry that needs it.
    /// </summary>
    public void Schedule(long startTicks) => _startTicks = startTicks;

    /// <inheritdoc />
    public void Deliver(OutputBatch batch)
    {
        long now = Stopwatch.GetTimestamp();
        ref OutputTally tally = ref _tallies[batch.Shard];
        ReadOnlySpan<byte> lines = batch.Lines;
        tally.Batches++;
        tally.Count += batch.Count;
        tally.Bytes += lines.Length;
        tally.LineFeeds += lines.Count((byte)'\n');
        ulong checksum = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            checksum += XxHash3.HashToUInt64(batch.Value(in batch.Entry(i)));
        }
        tally.Checksum += checksum;
        if (_intended is not null)
        {
            LongHistogram intended = _intended[batch.Shard];
            LongHistogram submitted = _submitted![batch.Shard];
            for (int i = 0; i < batch.Count; i++)
            {
                ref readonly OutputEntry e = ref batch.Entry(i);
                long due = _startTicks + (long)(e.Position * _ticksPerEvent);
                intended.RecordValue(Clamp((now - due) * NanosPerTick));
                submitted.RecordValue(Clamp((now - e.IngestTicks) * NanosPerTick));
            }
            if (batch.Count > 0 && _timelineCount![batch.Shard] < _timeline![batch.Shard].Length)
            {
                // Outputs of a batch are in input order: the first is the one that waited longest.
                long due = _startTicks + (long)(batch.Entry(0).Position * _ticksPerEvent);
                _timeline![batch.Shard][_timelineCount[batch.Shard]++] = (now, Clamp((now - due) * NanosPerTick));
            }
        }
    }

    /// <summary>The shards' tallies summed (read after a flush).</summary>
    public OutputTally Total()
    {
        var total = default(OutputTally);
        foreach (OutputTally t in _tallies)
        {
            total.Count += t.Count;
            total.Bytes += t.Bytes;
            total.LineFeeds += t.LineFeeds;
            total.Checksum += t.Checksum;
            total.Batches += t.Batches;
        }
        return total;
    }

    /// <summary>
    /// Paced runs: the stretches of time in which outputs were delivered more than <paramref name="lateNanos"/> after
    /// their intended send time (deliveries at most <paramref name="gapNanos"/> apart joined), as (start, length) in
    /// nanoseconds from the schedule's start, in order.
    /// </summary>
    public List<(long Start, long Length)> LateStretches(long lateNanos, long gapNanos)
    {
        var late = new List<long>();
        for (int s = 0; s < _timeline!.Length; s++)
        {
            for (int i = 0; i < _timelineCount![s]; i++)
            {
                if (_timeline[s][i].LateNanos > lateNanos)
                {
                    late.Add((long)((_timeline[s][i].At - _startTicks) * NanosPerTick));
                }
            }
        }
        late.Sort();
        var stretches = new List<(long, long)>();
        foreach (long at in late)
        {
            if (stretches.Count > 0 && at - (stretches[^1].Item1 + stretches[^1].Item2) <= gapNanos)
            {
                stretches[^1] = (stretches[^1].Item1, at - stretches[^1].Item1);
            }
            else
            {
                stretches.Add((at, 0));
            }
        }
        return stretches;
    }

    /// <summary>Latency from the intended send time, all shards merged (paced runs).</summary>
    public LongHistogram IntendedLatency() => Merge(_intended);

    /// <summary>Latency from the actual Submit call, all shards merged (paced runs).</summary>
    public LongHistogram SubmitLatency() => Merge(_submitted);

    private static LongHistogram Merge(LongHistogram[]? parts)
    {
        var merged = new LongHistogram(HistogramMaxNanos, 3);
        foreach (LongHistogram h in parts ?? [])
        {
            merged.Add(h);
        }
        return merged;
    }

    private static long Clamp(double nanos) => Math.Clamp((long)nanos, 1, HistogramMaxNanos);
}
