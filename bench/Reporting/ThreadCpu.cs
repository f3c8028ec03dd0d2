using System.Globalization;

namespace Attribution.Bench.Reporting;

/// <summary>
/// CPU time this process's threads used during a stretch of a run (Linux /proc/self/task), summed by thread name, so a
/// report can say where two shared cores went: the embedded broker (librdkafka's mock cluster, thread <c>rdk:mock</c>),
/// the Kafka clients' own threads (<c>rdk:*</c>), the paced producer, the pipeline's threads.
/// </summary>
internal sealed class ThreadCpu
{
    private static readonly double MillisPerTick = 1000.0 / 100; // USER_HZ is 100 on Linux
    private readonly Dictionary<int, (string Name, long Ticks)> _start;
    private readonly long _startTicks = Environment.TickCount64;

    private ThreadCpu(Dictionary<int, (string Name, long Ticks)> start) => _start = start;

    /// <summary>Reads every thread's CPU time now.</summary>
    public static ThreadCpu Start() => new(Read());

    /// <summary>
    /// CPU used since <see cref="Start"/> by name, as a percentage of one core over the elapsed wall time, largest first;
    /// threads that started meanwhile count from zero, threads that ended meanwhile are missing (they are not in /proc).
    /// </summary>
    public (double Seconds, IReadOnlyList<(string Name, double PercentOfCore)> ByName) Stop()
    {
        double seconds = Math.Max(0.001, (Environment.TickCount64 - _startTicks) / 1000.0);
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (tid, now) in Read())
        {
            long before = _start.TryGetValue(tid, out var b) ? b.Ticks : 0;
            if (now.Ticks > before)
            {
                byName[now.Name] = byName.GetValueOrDefault(now.Name) + ((now.Ticks - before) * MillisPerTick);
            }
        }
        return (seconds, byName.Select(kv => (kv.Key, kv.Value / 10 / seconds)).OrderByDescending(u => u.Item2).ToList());
    }

    /// <summary>One line: the total, then each name's share (names under 1 % are summed as "other").</summary>
    public static string Describe((double Seconds, IReadOnlyList<(string Name, double PercentOfCore)> ByName) used)
    {
        double total = used.ByName.Sum(u => u.PercentOfCore);
        var shown = used.ByName.Where(u => u.PercentOfCore >= 1).Select(u => string.Create(CultureInfo.InvariantCulture, $"`{u.Name}` {u.PercentOfCore:F0} %"));
        double rest = used.ByName.Where(u => u.PercentOfCore < 1).Sum(u => u.PercentOfCore);
        return string.Create(CultureInfo.InvariantCulture, $"{total:F0} % of one core over {used.Seconds:F2} s ({Environment.ProcessorCount} cores = {Environment.ProcessorCount * 100} %): ") +
               string.Join(", ", shown) + (rest > 0 ? string.Create(CultureInfo.InvariantCulture, $", other {rest:F0} %") : "");
    }

    private static Dictionary<int, (string Name, long Ticks)> Read() => OtherProcessesCpu.ReadStats("/proc/self/task");
}
