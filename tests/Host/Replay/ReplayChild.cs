using System.Collections.Concurrent;
using System.Diagnostics;

namespace Attribution.Tests.Host.Replay;

/// <summary>
/// <c>attribution replay</c> as a live child process of the built apphost, fed through its standard input so a
/// test decides when it runs and when it waits; standard error is collected line by line as it is written.
/// </summary>
internal sealed class ReplayChild : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();

    public ReplayChild(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution"))
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("replay");
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("the apphost could not be started");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stderr.Enqueue(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    public string StderrText => string.Join("\n", _stderr);

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

    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
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

    /// <summary>SIGKILL: no clean-up of any kind.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"the replay did not exit within {timeout.TotalSeconds:F0} s; stderr:\n{StderrText}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
