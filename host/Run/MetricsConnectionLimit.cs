using Microsoft.AspNetCore.Connections;

namespace Attribution.Host.Run;

/// <summary>
/// Keeps at most <see cref="Limit"/> connections open to the metrics server: when one more arrives, the connection
/// idle the longest is closed to make room. Kestrel's own limit refuses the newcomer instead, so a flood of idle
/// connections would lock scrapers out until the flood's connections time out.
/// </summary>
internal sealed class MetricsConnectionLimit
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly LinkedList<ConnectionContext> _byIdleSince = new(); // first = idle the longest
    private readonly Dictionary<string, LinkedListNode<ConnectionContext>> _byId = new(StringComparer.Ordinal);
    private readonly RunLog _log;
    private long _closed;
    private long _lastWarnTicks;

    /// <summary>A limit of <paramref name="limit"/> open connections.</summary>
    public MetricsConnectionLimit(int limit, RunLog log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _log = log;
    }

    /// <summary>Connections kept open at most.</summary>
    public int Limit { get; }

    /// <summary>Connections closed so far to make room for newer ones.</summary>
    public long Closed => Interlocked.Read(ref _closed);

    /// <summary>The connection middleware (Kestrel's <c>ListenOptions.Use</c>).</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => Serve(connection, next);

    /// <summary>Marks a connection active now (a request starts or ends on it), so it is the last to be closed.</summary>
    public void Touch(string connectionId)
    {
        lock (_gate)
        {
            if (_byId.TryGetValue(connectionId, out var node))
            {
                _byIdleSince.Remove(node);
                _byIdleSince.AddLast(node);
            }
        }
    }

    private async Task Serve(ConnectionContext connection, ConnectionDelegate next)
    {
        ConnectionContext? evicted = null;
        LinkedListNode<ConnectionContext> node;
        lock (_gate)
        {
            if (_byIdleSince.Count >= Limit)
            {
                var oldest = _byIdleSince.First!;
                Remove(oldest);
                evicted = oldest.Value;
            }
            node = _byIdleSince.AddLast(connection);
            _byId[connection.ConnectionId] = node;
        }
        if (evicted is not null)
        {
            evicted.Abort(new ConnectionAbortedException("The metrics server's connection limit was reached and this connection was idle the longest."));
            Evicted();
        }
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (node.List is not null)
                {
                    Remove(node);
                }
            }
        }
    }

    private void Remove(LinkedListNode<ConnectionContext> node)
    {
        _byIdleSince.Remove(node);
        _byId.Remove(node.Value.ConnectionId);
    }

    // One warning per interval at most: a flood must not turn into a flood of log lines.
    private void Evicted()
    {
        long closed = Interlocked.Increment(ref _closed);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastWarnTicks);
        if ((last == 0 || now - last >= (long)WarnEvery.TotalMilliseconds) && Interlocked.CompareExchange(ref _lastWarnTicks, now, last) == last)
        {
            _log.Warn("metrics", $"connection_limit_reached limit={Limit} closed_idle_total={closed}");
        }
    }
}
