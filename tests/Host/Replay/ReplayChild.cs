using System.Collections.Concurrent;
using System.Diagnostics;

namespace Attribution.Tests.Host.Replay;

/// <summary>
/// <c>attribution replay …</c> as a live child process of the built apphost (<c>attribution</c> in the test
/// directory), so a SIGKILL ends the engine itself, not a launcher. Its standard input is a pipe the test writes (for
/// <c>--input -</c>), so a test decides when it runs and when it waits; standard error is read line by line as it is
/// written, so a test can act on a line appearing (and tell which phase a kill fell into from the last line read).
/// </summary>
internal sealed class ReplayChild : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    /// <summary>Starts <c>attribution replay <paramref name="replayArgs"/></c>.</summary>
    public ReplayChild(params string[] replayArgs)
        : this(Launch(["replay", .. replayArgs]))
    {
    }

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

    /// <summary>Starts the apphost with <paramref name="args"/> (the command first).</summary>
    public static ReplayChild Start(IEnumerable<string> args) => new(Launch(args));

    // Nothing of the runner's ATTRIBUTION_* environment is passed on: the arguments say everything.
    private static Process Launch(IEnumerable<string> args)
    {
        string apphost = Path.Combine(TestContext.CurrentContext.TestDirectory, OperatingSystem.IsWindows() ? "attribution.exe" : "attribution");
        if (!File.Exists(apphost))
        {
            throw new FileNotFoundException($"The built apphost '{apphost}' is missing; build tests/Attribution.Tests.csproj.", apphost);
        }
        var start = new ProcessStartInfo(apphost)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("ATTRIBUTION_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"'{apphost}' could not be started");
    }

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Standard error lines read so far.</summary>
    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    /// <summary>Standard error read so far, one text.</summary>
    public string StderrText => string.Join("\n", _stderr);

    /// <summary>The exit code (after the process exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Writes lines to its standard input; stops quietly when it stopped reading (exited).</summary>
    public void Write(IEnumerable<string> lines)
    {
        try
        {
            foreach (string line in lines)
            {
                _process.StandardInput.Write(line);
                _process.StandardInput.Write('\n');
            }
            _process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // Broken pipe: the process exited before reading everything (a refused resume does).
        }
    }

    /// <summary>Closes its standard input (the end of the input for <c>--input -</c>).</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already gone with the process.
        }
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; false on timeout.</summary>
    public static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(50);
        }
        return true;
    }

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
    public bool TryWaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        _process.WaitForExit(); // drains the redirected streams
        return true;
    }

    /// <summary>The exit code once the process exits by itself; fails the test (after a SIGKILL) when it does not within <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!TryWaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"the replay did not exit within {timeout.TotalSeconds:F0} s; stderr:\n{StderrText}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILL (no clean-up of any kind), then waits until the process is gone; false when it had already exited by itself.</summary>
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
