using System.Diagnostics;

namespace Attribution.Bench.Reporting;

/// <summary>
/// Samples a monotonically growing counter (events done) every <see cref="Interval"/> on a background
/// thread and keeps (seconds since start, events/s over the last interval) points for the throughput plot.
/// The counter is read with a volatile load; the sampled code pays nothing.
/// </summary>
internal sealed class ThroughputSeries : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Func<long> _counter;
    private readonly Thread _thread;
    private readonly List<(double Seconds, double PerSecond)> _points = [];
    private volatile bool _stop;

    private ThroughputSeries(string name, Func<long> counter)
    {
        Name = name;
        _counter = counter;
        _thread = new Thread(Sample) { Name = "bench-sampler", IsBackground = true };
    }

    public string Name { get; }

    /// <summary>
    /// The samples from the first one with progress on, time shifted so that 0 is the start of that
    /// interval (the set-up before a run's first event is not throughput).
    /// </summary>
    public IReadOnlyList<(double Seconds, double PerSecond)> Points
    {
        get
        {
            lock (_points)
            {
                int first = _points.FindIndex(p => p.PerSecond > 0);
                if (first < 0)
                {
                    return [];
                }
                double origin = _points[first].Seconds - Interval.TotalSeconds;
                return [.. _points.Skip(first).Select(p => (p.Seconds - origin, p.PerSecond))];
            }
        }
    }

    /// <summary>Starts sampling <paramref name="counter"/> now.</summary>
    public static ThroughputSeries Start(string name, Func<long> counter)
    {
        var s = new ThroughputSeries(name, counter);
        s._thread.Start();
        return s;
    }

    private void Sample()
    {
        long start = Stopwatch.GetTimestamp();
        long last = _counter();
        long lastTicks = start;
        while (!_stop)
        {
            Thread.Sleep(Interval);
            long now = Stopwatch.GetTimestamp();
            long value = _counter();
            if (value < last)
            {
                last = 0; // the counter was reset: a new run started
            }
            double seconds = (now - lastTicks) / (double)Stopwatch.Frequency;
            lock (_points)
            {
                _points.Add(((now - start) / (double)Stopwatch.Frequency, (value - last) / seconds));
            }
            last = value;
            lastTicks = now;
        }
    }

    /// <summary>Stops sampling and waits for the sampler.</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
