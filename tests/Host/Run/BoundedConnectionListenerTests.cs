using System.Net;
using System.Net.Sockets;
using Attribution.Host.Run;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Attribution.Tests.Host.Run;

/// <summary>The metrics server's transport on real sockets: it holds at most its limit of accepted connections.</summary>
public class BoundedConnectionListenerTests
{
    [Test]
    public void Past_the_limit_a_connection_is_accepted_only_when_an_accepted_one_is_disposed()
    {
        const int limit = 3;
        var sockets = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var factory = new BoundedConnectionListenerFactory(sockets, limit);
        var listener = factory.BindAsync(new IPEndPoint(IPAddress.Loopback, 0)).AsTask().GetAwaiter().GetResult();
        int port = ((IPEndPoint)listener.EndPoint).Port;
        var clients = new List<TcpClient>();
        var accepted = new List<ConnectionContext>();
        try
        {
            for (int i = 0; i < limit + 2; i++)
            {
                var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                clients.Add(c);
            }
            for (int i = 0; i < limit; i++)
            {
                var next = listener.AcceptAsync().AsTask();
                Assert.That(next.Wait(TimeSpan.FromSeconds(10)), Is.True, $"connection {i + 1} of {limit} is accepted");
                accepted.Add(next.Result!);
            }
            var beyond = listener.AcceptAsync().AsTask();
            Assert.That(beyond.Wait(TimeSpan.FromSeconds(1)), Is.False, "a connection past the limit waits in the kernel's queue");
            accepted[0].DisposeAsync().AsTask().GetAwaiter().GetResult();
            Assert.That(beyond.Wait(TimeSpan.FromSeconds(10)), Is.True, "accepted once a slot is free");
            accepted.Add(beyond.Result!);
            var last = listener.AcceptAsync().AsTask();
            listener.UnbindAsync().AsTask().GetAwaiter().GetResult();
            Assert.That(last.Wait(TimeSpan.FromSeconds(10)), Is.True, "a stop ends a wait for a slot");
            Assert.That(last.Result, Is.Null);
        }
        finally
        {
            foreach (var c in accepted.Skip(1))
            {
                c.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }
}
