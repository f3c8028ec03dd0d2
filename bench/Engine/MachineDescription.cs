using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Attribution.Bench.Engine;

/// <summary>The machine line printed above the results: numbers mean little without it.</summary>
internal static class MachineDescription
{
    public static string Describe()
        => $"{Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
           $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : " (concurrent)")}, " +
           $"{Attribution.Bench.Reporting.TieringDelay.Describe()}, Stopwatch {Stopwatch.Frequency:N0} Hz, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{LoadAverage()}";

    public static string LoadAverage()
    {
        try
        {
            string[] parts = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
            return parts.Length >= 3 ? $", load average {parts[0]} (1 min) / {parts[1]} (5 min)" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // Fall through: the model is informative only.
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
