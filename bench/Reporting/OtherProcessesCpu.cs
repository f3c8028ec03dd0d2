using System.Globalization;

namespace Attribution.Bench.Reporting;

/// <summary>
/// CPU time other processes and kernel threads used during a stretch of a run (Linux /proc), so a report can say
/// what else had the cores: on a 2-core machine a kernel thread that takes one core for 10 ms stalls whichever of
/// the engine's threads ran there, and that shows as latency.
/// </summary>
internal sealed class OtherProcessesCpu
{
    private static readonly double MillisPerTick = 1000.0 / 100; // USER_HZ is 100 on Linux
    private readonly Dictionary<int, (string Name, long Ticks)> _start;

    private OtherProcessesCpu(Dictionary<int, (string Name, long Ticks)> start) => _start = start;

    /// <summary>Reads every process's CPU time now.</summary>
    public static OtherProcessesCpu Start() => new(Read());

    /// <summary>The <paramref name="top"/> processes other than this one by CPU time used since <see cref="Start"/>, as "name 12 ms".</summary>
    public IReadOnlyList<(string Name, double Millis)> Top(int top)
    {
        int self = Environment.ProcessId;
        var used = new List<(string, double)>();
        foreach (var (pid, now) in Read())
        {
            if (pid == self)
            {
                continue;
            }
            // A kernel worker's name changes with its work item: the pid alone says it is the same process.
            long before = _start.TryGetValue(pid, out var b) ? b.Ticks : 0;
            if (now.Ticks > before)
            {
                used.Add((now.Name, (now.Ticks - before) * MillisPerTick));
            }
        }
        return used.OrderByDescending(u => u.Item2).Take(top).ToList();
    }

    private static Dictionary<int, (string Name, long Ticks)> Read() => ReadStats("/proc");

    /// <summary>Name and CPU ticks (user + system) of every process under /proc, or every thread under /proc/&lt;pid&gt;/task.</summary>
    internal static Dictionary<int, (string Name, long Ticks)> ReadStats(string root)
    {
        var all = new Dictionary<int, (string Name, long Ticks)>();
        if (!OperatingSystem.IsLinux())
        {
            return all;
        }
        foreach (string dir in Directory.EnumerateDirectories(root))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            try
            {
                // pid (comm) state ppid ... field 14 utime, 15 stime; comm may hold spaces, so split after its ')'.
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('(');
                int close = stat.LastIndexOf(')');
                string[] rest = stat[(close + 2)..].Split(' ');
                long ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
                all[pid] = (stat[(open + 1)..close], ticks);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // The process or thread ended meanwhile, or its stat is not readable: it is left out.
            }
        }
        return all;
    }
}
