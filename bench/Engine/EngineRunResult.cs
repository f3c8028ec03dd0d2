using Attribution.Engine.Attribution;
using HdrHistogram;

namespace Attribution.Bench.Engine;

/// <summary>One timed engine run.</summary>
internal sealed record EngineRunResult(
    int Shards,
    int Events,
    double Seconds,
    long AllocatedBytes,
    long RetainedBytes,
    (int Gen0, int Gen1, int Gen2) Collections,
    OutputTally Output,
    AttributionCounters Counters,
    (long Clicks, long Conversions) State,
    string StateNote,
    double OfferedRate = 0,
    LongHistogram? IntendedLatency = null,
    LongHistogram? SubmitLatency = null,
    List<(long Start, long Length)>? LateStretches = null,
    IReadOnlyList<(string Name, double Millis)>? OtherCpu = null)
{
    public double PerSecond => Events / Seconds;

    public double BytesPerEvent => AllocatedBytes / (double)Events;

    /// <summary>Allocated bytes the run did not keep alive (allocated minus live-heap growth), per event.</summary>
    public double GarbagePerEvent => Math.Max(0, AllocatedBytes - RetainedBytes) / (double)Events;

    public double RetainedPerEvent => RetainedBytes / (double)Events;
}
