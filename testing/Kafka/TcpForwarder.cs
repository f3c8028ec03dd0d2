using System.Net;
using System.Net.Sockets;

namespace Attribution.Testing.Kafka;

/// <summary>
/// Listens on a fixed loopback port and relays each connection, byte for byte, to another port: how
/// <c>attribution broker --port N</c> pins the embedded broker's address (librdkafka's mock picks its own ports).
/// </summary>
public sealed class TcpForwarder : IDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;

    /// <summary>Starts relaying 127.0.0.1:<paramref name="port"/> to <paramref name="target"/>.</summary>
    /// <exception cref="SocketException">The port cannot be listened on (in use, not allowed).</exception>
    public TcpForwarder(int port, IPEndPoint target)
    {
        _target = target ?? throw new ArgumentNullException(nameof(target));
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoop);
    }

    /// <summary>The port listened on.</summary>
    public int Port { get; }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => Relay(client));
        }
    }

    private async Task Relay(TcpClient client)
    {
        var upstream = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        lock (_gate)
        {
            _open.Add(client);
            _open.Add(upstream);
        }
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            var a = client.GetStream();
            var b = upstream.GetStream();
            // Either side closing ends both: a Kafka connection is one request/response stream.
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The broker went down or a client hung up: the other side sees the connection close, as with a real broker.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
            client.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var c in _open)
            {
                c.Dispose();
            }
        }
        _accepting.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
