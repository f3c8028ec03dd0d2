using System.Collections.Concurrent;
using System.Diagnostics;

namespace Attribution.Tests.Reliability;

/// <summary>
/// <c>attribution replay …</c> as a real process: the built apphost (<c>attribution</c> in the test directory), so a
/// SIGKILL ends the engine itself, not a launcher. Standard error is read line by line as it comes, so a test can kill
/// at a moment it sees (a line appearing) and tell which phase the kill fell into (the last line read).
/// </summary>
internal sealed class ReplayChild : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private ReplayChild(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
                _lineArrived.Release();
            }
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Starts the apphost with <paramref name="args"/>; nothing of the runner's ATTRIBUTION_* environment is passed on.</summary>
    public static ReplayChild Start(IEnumerable<string> args)
    {
        string apphost = Path.Combine(TestContext.CurrentContext.TestDirectory, OperatingSystem.IsWindows() ? "attribution.exe" : "attribution");
        if (!File.Exists(apphost))
        {
            throw new FileNotFoundException($"The built apphost '{apphost}' is missing; build tests/Attribution.Tests.csproj.", apphost);
        }
        var start = new ProcessStartInfo(apphost) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("ATTRIBUTION_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        return new ReplayChild(Process.Start(start) ?? throw new InvalidOperationException($"'{apphost}' could not be started"));
    }

    /// <summary>Standard error lines read so far.</summary>
    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Waits until a line matching <paramref name="match"/> was read, the process exited, or the time ran out; true for the line.</summary>
    public bool WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_stderr.Any(match))
            {
                return true;
            }
            TimeSpan left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero || _process.HasExited)
            {
                return _stderr.Any(match);
            }
            _lineArrived.Wait(TimeSpan.FromMilliseconds(Math.Min(50, left.TotalMilliseconds)));
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit by itself; true when it did.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        _process.WaitForExit(); // drains the redirected streams
        return true;
    }

    /// <summary>The exit code (after <see cref="WaitForExit"/> returned true).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>SIGKILL, then waits until the process is gone; false when it had already exited by itself.</summary>
    public bool Kill()
    {
        if (_process.HasExited)
        {
            return false;
        }
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            return false; // exited between the check and the signal
        }
        _process.WaitForExit();
        return true;
    }

    /// <summary>Kills the process if it still runs.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _lineArrived.Dispose();
    }
}
