using System.Collections.Concurrent;
using System.Diagnostics;

namespace Attribution.Tests.Host.Deploy;

/// <summary>A child process of the copied binary, stopped by SIGTERM like an operator's service manager does.</summary>
internal sealed class SingleFileProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public SingleFileProcess(ProcessStartInfo start)
    {
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} could not be started");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Output lines so far (stdout and stderr interleaved as they came).</summary>
    public string Text => string.Join("\n", _lines);

    /// <summary>The first line starting with <paramref name="prefix"/>, waited for at most <paramref name="timeout"/>.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            string? line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }
            if (_process.HasExited)
            {
                break;
            }
            Thread.Sleep(50);
        }
        Assert.Fail($"no line starting '{prefix}' within {timeout.TotalSeconds:F0} s (exited: {_process.HasExited}); output:\n{Text}");
        return "";
    }

    /// <summary>SIGTERM, then the exit code (killed and failed after <paramref name="timeout"/>).</summary>
    public int Terminate(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
            kill?.WaitForExit();
        }
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"the process did not stop within {timeout.TotalSeconds:F0} s of SIGTERM; output:\n{Text}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already reaped
        }
        _process.Dispose();
    }
}
