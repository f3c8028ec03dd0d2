using System.Collections.Concurrent;
using System.Diagnostics;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// <c>attribution run</c> as a child process (<c>dotnet attribution.dll run …</c> from the test
/// directory), as an operator would start it: it reaches the test's embedded broker over TCP, and can
/// be killed with SIGKILL or stopped with SIGTERM. Its standard error is kept for diagnostics.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();

    private HostProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue("stdout: " + e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Starts <c>attribution &lt;args&gt;</c>; <paramref name="environment"/> entries are added (null removes).</summary>
    /// <param name="appHost">Start the built apphost (<c>attribution</c>) itself rather than <c>dotnet attribution.dll</c>.</param>
    public static HostProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, bool appHost = false)
    {
        string dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution.dll");
        var start = new ProcessStartInfo(appHost ? Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution") : "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        if (!appHost)
        {
            start.ArgumentList.Add(dll);
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        // Hermetic: nothing from the test runner's environment configures the child.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ATTRIBUTION_", StringComparison.Ordinal) || k == "KAFKA_BOOTSTRAP_SERVERS").ToList())
        {
            start.Environment.Remove(key);
        }
        // Every child host here talks to the embedded test broker, which drops offsets sent in a transaction:
        // the switch makes `run` store them once more with a plain commit (Attribution.Testing.Kafka.MockBrokerOffsets).
        start.Environment[global::Attribution.Host.Demo.TestBrokerSwitch.Variable] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            if (v is null)
            {
                start.Environment.Remove(k);
            }
            else
            {
                start.Environment[k] = v;
            }
        }
        return new HostProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started"));
    }

    /// <summary>Process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Standard error lines so far.</summary>
    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    /// <summary>Standard error so far, for assertion messages.</summary>
    public string StderrText => string.Join("\n", _stderr);

    /// <summary>SIGKILL: no chance to commit, flush or leave the group.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM: the host commits what is done and leaves the group.</summary>
    public void Terminate()
    {
        if (_process.HasExited)
        {
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("kill could not be started");
        kill.WaitForExit();
    }

    /// <summary>SIGSTOP: the process is frozen (no thread runs, no heartbeat) until <see cref="Resume"/>.</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT: a paused process continues where it stopped.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("kill could not be started");
        kill.WaitForExit();
    }

    /// <summary>Waits for the exit and returns the code; fails the test after <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"the host did not exit within {timeout.TotalSeconds:F0} s; stderr:\n{StderrText}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Kills the process if it is still running.</summary>
    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _process.Dispose();
    }
}
