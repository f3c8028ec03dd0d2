using Attribution.Host.Run;

namespace Attribution.Host.Observability;

/// <summary>
/// The status page's time series: one <see cref="StatusSample"/> a second, the last <see cref="Capacity"/> kept in a
/// ring. A timer thread reads the run's counters and takes the latency and cycle windows; the pipeline's threads
/// only keep the counters and histograms they keep anyway.
/// </summary>
public sealed class StatusHistory : IDisposable
{
    /// <summary>Samples kept: ten minutes at one a second.</summary>
    public const int Capacity = 600;

    private readonly PipelineStats _stats;
    private readonly StatusSample[] _ring = new StatusSample[Capacity];
    private readonly object _lock = new();
    private readonly Timer? _timer;
    private long _taken;

    /// <summary>Starts sampling <paramref name="stats"/> every <paramref name="period"/> (none: the caller calls <see cref="Sample"/>).</summary>
    public StatusHistory(PipelineStats stats, TimeSpan? period = null)
    {
        ArgumentNullException.ThrowIfNull(stats);
        _stats = stats;
        if (period is { } p)
        {
            _timer = new Timer(_ => Sample(), null, p, p);
        }
    }

    /// <summary>Takes one sample now.</summary>
    public void Sample()
    {
        var s = _stats;
        var sample = new StatusSample(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), s.Consumed, s.Produced, s.DeadLetters, s.Commits, s.Lag, s.TakeStatusWindow());
        lock (_lock)
        {
            _ring[_taken % Capacity] = sample;
            _taken++;
        }
    }

    /// <summary>The samples kept, oldest first.</summary>
    public StatusSample[] Samples()
    {
        lock (_lock)
        {
            int n = (int)Math.Min(_taken, Capacity);
            var copy = new StatusSample[n];
            for (int i = 0; i < n; i++)
            {
                copy[i] = _ring[(_taken - n + i) % Capacity];
            }
            return copy;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _timer?.Dispose();
}
