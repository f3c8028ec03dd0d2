using System.Net.Sockets;
using System.Text;
using Attribution.Engine.Snapshots;

namespace Attribution.Host.Run;

/// <summary>
/// The run host's local control endpoint: a Unix domain socket <c>&lt;state-dir&gt;/control.sock</c> (mode 0600,
/// removed at stop) that <c>attribution snapshot trigger</c> connects to. Only users who can reach the state
/// directory and own the socket can use it; nothing is exposed on the network, unlike the metrics port. Protocol:
/// one line per connection, <c>snapshot</c>, answered by <c>ok &lt;sequence&gt; &lt;manifest path&gt;</c> once the
/// snapshot is durable or <c>error &lt;sentence&gt;</c>.
/// </summary>
internal sealed class ControlEndpoint : IDisposable
{
    /// <summary>The socket's file name in the state directory.</summary>
    public const string SocketName = "control.sock";

    // A Unix socket address holds at most 107 bytes of path (sun_path).
    private const int MaxPathBytes = 107;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(10);

    private readonly Socket _listener;
    private readonly string _path;
    private readonly RunLog _log;
    private readonly SnapshotScheduler _snapshots;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ControlEndpoint(Socket listener, string path, RunLog log, SnapshotScheduler snapshots)
    {
        _listener = listener;
        _path = path;
        _log = log;
        _snapshots = snapshots;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>
    /// Opens the socket in the run's state directory (the engine holds the directory's lock, so a socket file found
    /// there is a dead host's and is replaced); null without a state directory or when it cannot be opened (logged).
    /// </summary>
    public static ControlEndpoint? TryStart(RunOptions options, RunLog log, SnapshotScheduler snapshots)
    {
        if (options.StateDirectory is null)
        {
            return null;
        }
        string path = Path.Combine(Path.GetFullPath(options.StateDirectory), SocketName);
        // Bound under a temporary name, restricted, then renamed: the socket is never reachable with looser permissions.
        string temp = path + "." + Environment.ProcessId + ".tmp";
        if (Encoding.UTF8.GetByteCount(temp) > MaxPathBytes)
        {
            log.Warn("control", $"unavailable path=\"{path}\" reason=\"the state directory's path is too long for a Unix socket; 'snapshot trigger' cannot reach this host\"");
            return null;
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            File.Delete(temp);
            listener.Bind(new UnixDomainSocketEndPoint(temp));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            File.Move(temp, path, overwrite: true);
            listener.Listen(4);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            listener.Dispose();
            File.Delete(temp);
            log.Warn("control", $"unavailable path=\"{path}\" reason=\"{Sentences.First(e.Message)}\"");
            return null;
        }
        log.Info("control", $"listening path=\"{path}\"");
        return new ControlEndpoint(listener, path, log, snapshots);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                await HandleAsync(client).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(Socket client)
    {
        try
        {
            using var stream = new NetworkStream(client, ownsSocket: false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            using var lineTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            lineTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            string? line = await reader.ReadLineAsync(lineTimeout.Token).ConfigureAwait(false);
            string reply = line?.Trim() == "snapshot" ? await SnapshotAsync().ConfigureAwait(false) : $"error Unknown request '{line}'; this endpoint answers 'snapshot'.";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\n"), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            // The client went away or the host is stopping: nothing to answer.
        }
    }

    private async Task<string> SnapshotAsync()
    {
        _log.Info("control", "snapshot requested=true");
        try
        {
            SnapshotInfo info = await _snapshots.Request().WaitAsync(RequestTimeout, _stop.Token).ConfigureAwait(false);
            return $"ok {info.Sequence} {info.ManifestPath}";
        }
        catch (OperationCanceledException)
        {
            return "error The host is stopping; no snapshot was taken for this request.";
        }
        catch (TimeoutException)
        {
            return $"error The snapshot was not durable within {RequestTimeout.TotalMinutes:F0} minutes.";
        }
        catch (Exception e)
        {
            return $"error {Sentences.First(e.Message.ReplaceLineEndings(" "))}.";
        }
    }

    /// <summary>Stops serving and removes the socket file.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warn("control", $"remove_failed path=\"{_path}\" reason=\"{Sentences.First(e.Message)}\"");
        }
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
