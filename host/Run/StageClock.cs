using System.Diagnostics;

namespace Attribution.Host.Run;

/// <summary>
/// Where one of the host's threads is and since when, so a stall (a Kafka call that does not return, a
/// lock not released) is reported in the log with its place instead of the host going silent. Stages
/// change per transaction or per rebalance, never per event.
/// </summary>
internal sealed class StageClock(string thread)
{
    private string _stage = "start";
    private long _since = Stopwatch.GetTimestamp();
    private long _reportedSince;

    /// <summary>The thread's name in reports.</summary>
    public string Thread { get; } = thread;

    /// <summary>Enters a stage.</summary>
    public void Enter(string stage)
    {
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        Volatile.Write(ref _stage, stage);
    }

    /// <summary>The stage and how long it has lasted, when it is a working stage that lasted at least <paramref name="limit"/> and was not reported yet.</summary>
    public (string Stage, TimeSpan Duration)? Stalled(TimeSpan limit)
    {
        string stage = Volatile.Read(ref _stage);
        long since = Volatile.Read(ref _since);
        var duration = Stopwatch.GetElapsedTime(since);
        if (stage.StartsWith("idle", StringComparison.Ordinal) || duration < limit || since == _reportedSince)
        {
            return null;
        }
        _reportedSince = since;
        return (stage, duration);
    }
}
