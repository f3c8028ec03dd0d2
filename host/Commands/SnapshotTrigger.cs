using System.Net.Sockets;
using System.Text;
using Attribution.Host.Cli;
using Attribution.Host.Run;

namespace Attribution.Host.Commands;

/// <summary><c>attribution snapshot trigger</c>: asks the run host on a state directory for a snapshot over its control socket.</summary>
internal static class SnapshotTrigger
{
    /// <summary>Requests the snapshot and prints its sequence once durable; returns the exit code.</summary>
    public static int Run(string stateDirectory, TimeSpan timeout, CliContext context)
    {
        string path = Path.Combine(stateDirectory, ControlEndpoint.SocketName);
        string noHost = $"No 'attribution run' host is serving the state directory '{stateDirectory}'";
        if (!File.Exists(path))
        {
            throw new SnapshotCommandException($"{noHost} (it has no {ControlEndpoint.SocketName}); start 'attribution run --state-dir' on it first.");
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new SnapshotCommandException($"{noHost} (its {ControlEndpoint.SocketName} is left from a host that did not stop cleanly).");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new SnapshotCommandException($"The control socket '{path}' is not open to this user (it is the host's user's only).");
        }
        catch (SocketException e)
        {
            throw new SnapshotCommandException($"The control socket '{path}' cannot be reached: {Sentences.First(e.Message)}.");
        }
        socket.ReceiveTimeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
        string? reply;
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            stream.Write("snapshot\n"u8);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            reply = reader.ReadLine();
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut or SocketError.WouldBlock })
        {
            throw new SnapshotCommandException($"The host did not report the snapshot durable within {timeout.TotalSeconds:F0} s; it may still complete (see 'attribution snapshot list').");
        }
        catch (IOException e)
        {
            throw new SnapshotCommandException($"The host closed the control connection: {Sentences.First(e.Message)}.");
        }
        if (reply is null)
        {
            throw new SnapshotCommandException("The host closed the control connection without an answer (it may be stopping).");
        }
        if (reply.StartsWith("ok ", StringComparison.Ordinal))
        {
            string[] parts = reply.Split(' ', 3);
            context.Output.WriteLine(parts[1]);
            context.Error.WriteLine($"attribution snapshot trigger: snapshot {parts[1]} is durable ({(parts.Length > 2 ? parts[2] : "")}).");
            return 0;
        }
        throw new SnapshotCommandException(reply.StartsWith("error ", StringComparison.Ordinal) ? reply[6..] : $"The host answered '{reply}'.");
    }
}
