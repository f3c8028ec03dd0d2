namespace Attribution.Host.Demo;

/// <summary>
/// The demo's progress over time: how many input records had their processing committed at each sampled moment
/// (seconds since the first record was due), so rates over any window of the run can be read afterwards.
/// </summary>
public sealed class DemoTimeline
{
    private readonly List<(double Seconds, long Committed)> _samples = [];

    /// <summary>Samples taken.</summary>
    public int Count => _samples.Count;

    /// <summary>Adds a sample; <paramref name="seconds"/> must not go back.</summary>
    public void Add(double seconds, long committed)
    {
        if (_samples.Count > 0 && seconds < _samples[^1].Seconds)
        {
            throw new ArgumentOutOfRangeException(nameof(seconds), "samples must be added in time order");
        }
        _samples.Add((seconds, committed));
    }

    /// <summary>Committed records at <paramref name="seconds"/>, interpolated between the samples around it (0 before the first).</summary>
    public double CommittedAt(double seconds)
    {
        if (_samples.Count == 0 || seconds <= _samples[0].Seconds)
        {
            return _samples.Count == 0 || seconds < _samples[0].Seconds ? 0 : _samples[0].Committed;
        }
        int hi = _samples.FindIndex(s => s.Seconds >= seconds);
        if (hi < 0)
        {
            return _samples[^1].Committed;
        }
        var (t0, c0) = _samples[hi - 1];
        var (t1, c1) = _samples[hi];
        return t1 == t0 ? c1 : c0 + (c1 - c0) * (seconds - t0) / (t1 - t0);
    }

    /// <summary>Committed records per second between <paramref name="from"/> and <paramref name="to"/> seconds.</summary>
    public double RateBetween(double from, double to)
        => to > from ? (CommittedAt(to) - CommittedAt(from)) / (to - from) : double.NaN;

    /// <summary>Seconds of the first sample with any record committed; NaN when none.</summary>
    public double FirstCommitSeconds => _samples.FindIndex(s => s.Committed > 0) is var i and >= 0 ? _samples[i].Seconds : double.NaN;

    /// <summary>
    /// The longest stretch within [<paramref name="from"/>, <paramref name="to"/>] seconds in which the committed count did not
    /// move (a stalled transaction or shard), as its start and length in seconds, to the sampling step; (NaN, 0) when there are no samples there.
    /// </summary>
    public (double Start, double Seconds) LongestPause(double from, double to)
    {
        (double Start, double Seconds) longest = (double.NaN, 0);
        double since = double.NaN; // when the count last moved
        long last = long.MinValue;
        double end = LastIn(to);
        foreach (var (t, c) in _samples)
        {
            if (t < from || t > to)
            {
                continue;
            }
            // A pause runs from the sample where the count last moved to the one where it moves again (or the window's last).
            if (!double.IsNaN(since) && t - since > longest.Seconds && (c != last || t == end))
            {
                longest = (since, t - since);
            }
            if (c != last || double.IsNaN(since))
            {
                since = t;
                last = c;
            }
        }
        return longest;
    }

    private double LastIn(double to) => _samples.FindLast(s => s.Seconds <= to) is var (t, _) && t <= to ? t : double.NaN;
}
