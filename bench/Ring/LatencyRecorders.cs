using System.Diagnostics;
using System.Runtime.CompilerServices;
using HdrHistogram;

namespace Attribution.Bench.Ring;

/// <summary>What a consumer does with an event's stamp.</summary>
internal interface ILatencyRecorder
{
    void Record(long stamp);
}

/// <summary>Throughput runs: nothing.</summary>
internal readonly struct NoRecorder : ILatencyRecorder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long stamp)
    {
    }
}

/// <summary>Records now − stamp in nanoseconds into an HdrHistogram (no allocation per value).</summary>
internal readonly struct HistogramRecorder(LongHistogram histogram) : ILatencyRecorder
{
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    public void Record(long stamp)
    {
        long ns = (long)((Stopwatch.GetTimestamp() - stamp) * NanosPerTick);
        histogram.RecordValue(Math.Clamp(ns, 1, HandOffBench.HistogramMaxNanos));
    }
}
