using System.Globalization;
using Attribution.Host.Run;

namespace Attribution.Host.Demo;

/// <summary>
/// The demo's live progress on standard error, refreshed about twice a second: one line rewritten in
/// place on a terminal (with a bar), or one line per refresh when standard error is redirected.
/// </summary>
internal sealed class ProgressDisplay
{
    private readonly TextWriter _writer;
    private readonly bool _terminal;
    private readonly long _total;
    private long _lastConsumed;
    private double _lastSeconds;
    private long _lastP99;

    /// <summary>The highest processing rate of one refresh interval so far.</summary>
    public double PeakRate { get; private set; }

    public ProgressDisplay(TextWriter writer, bool terminal, long total)
    {
        _writer = writer;
        _terminal = terminal;
        _total = total;
    }

    /// <summary>Draws one refresh.</summary>
    public void Update(double seconds, long generated, PipelineStats stats)
    {
        long consumed = stats.Consumed;
        double rate = seconds > _lastSeconds ? (consumed - _lastConsumed) / (seconds - _lastSeconds) : 0;
        _lastConsumed = consumed;
        PeakRate = Math.Max(PeakRate, rate);
        _lastSeconds = seconds;
        long p99 = stats.TakeRecentPercentile(99);
        if (p99 >= 0)
        {
            _lastP99 = p99;
        }
        long done = Math.Min(stats.OffsetsCommitted, _total);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{seconds,5:F1} s  generated {generated,9:N0}  processed {consumed,9:N0}  {rate,9:N0} ev/s  attributed {stats.Produced,8:N0}  rejected {stats.Rejected,5:N0}  lag {stats.Lag,7:N0}  p99 {_lastP99,5:N0} ms");
        if (_terminal)
        {
            int width = 20;
            int filled = _total == 0 ? width : (int)(width * done / _total);
            _writer.Write($"\r\u001b[K[{new string('#', filled)}{new string('.', width - filled)}] {line}");
        }
        else
        {
            _writer.WriteLine(line);
        }
        _writer.Flush();
    }

    /// <summary>Ends the live line.</summary>
    public void Finish()
    {
        if (_terminal)
        {
            _writer.WriteLine();
        }
    }
}
