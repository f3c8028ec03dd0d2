using System.Diagnostics;
using System.Globalization;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// A child process (python3) that opens many TCP connections to a loopback port from its own 127.x.y.z source
/// address, sends nothing on them and holds them until disposed. A process holds at most RLIMIT_NOFILE
/// (20000 here) sockets, so a bigger flood is several of these; their own source addresses keep each one's
/// 28k ephemeral ports to itself.
/// </summary>
internal sealed class IdleConnectionFlood : IDisposable
{
    // IP_BIND_ADDRESS_NO_PORT (24): the port is chosen at connect time, per destination, not at bind.
    private const string Script = """
        import resource, socket, sys, time
        src, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        held, failed, first_error = [], 0, ""
        start = time.monotonic()
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.IPPROTO_IP, 24, 1)
            s.settimeout(10)
            try:
                s.bind((src, 0))
                s.connect(("127.0.0.1", port))
                held.append(s)
            except OSError as e:
                failed += 1
                first_error = first_error or str(e)
                s.close()
        print(f"held {len(held)} failed {failed} seconds {time.monotonic() - start:.1f} error {first_error}", flush=True)
        sys.stdin.read()
        """;

    private readonly Process _process;
    private readonly Task<string?> _report;

    private IdleConnectionFlood(Process process, string source)
    {
        _process = process;
        Source = source;
        _report = process.StandardOutput.ReadLineAsync();
    }

    /// <summary>The source address of the connections.</summary>
    public string Source { get; }

    /// <summary>Connections the child opened (after <see cref="WaitUntilOpened"/>).</summary>
    public int Held { get; private set; }

    /// <summary>Connections the child could not open, and the first error.</summary>
    public string Failures { get; private set; } = "";

    /// <summary>Starts opening <paramref name="count"/> connections to 127.0.0.1:<paramref name="port"/> from a random 127.x.y.z.</summary>
    public static IdleConnectionFlood Start(int port, int count, Random random)
    {
        string source = $"127.{random.Next(1, 255)}.{random.Next(0, 256)}.{random.Next(1, 255)}";
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-c", Script, source, port.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }
        return new IdleConnectionFlood(Process.Start(start) ?? throw new InvalidOperationException("python3 could not be started"), source);
    }

    /// <summary>Waits for the child's report that all its connections are open (or failed); false on timeout.</summary>
    public bool WaitUntilOpened(TimeSpan timeout)
    {
        if (!_report.Wait(timeout) || _report.Result is not { } line)
        {
            return false;
        }
        var parts = line.Split(' ', 8);
        Held = int.Parse(parts[1], CultureInfo.InvariantCulture);
        Failures = $"{parts[3]} ({parts[7]})";
        TestContext.Out.WriteLine($"flood from {Source}: {line}");
        return true;
    }

    /// <summary>Closes every connection (the child exits).</summary>
    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(30_000))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        catch (IOException)
        {
            // its stdin is already closed
        }
        _process.Dispose();
    }
}
