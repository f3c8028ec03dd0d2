using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Attribution.Host.Run;

/// <summary>
/// Accepts a connection only while fewer than the limit are open (a slot is given back once the connection's socket is
/// disposed); meanwhile newcomers wait in the kernel's accept queue, holding no descriptor of the host.
/// </summary>
internal sealed class BoundedConnectionListener : IConnectionListener
{
    private readonly IConnectionListener _inner;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _unbound = new();

    /// <summary>Wraps <paramref name="inner"/> with <paramref name="limit"/> slots.</summary>
    public BoundedConnectionListener(IConnectionListener inner, int limit)
    {
        _inner = inner;
        _slots = new SemaphoreSlim(limit, limit);
    }

    /// <inheritdoc/>
    public EndPoint EndPoint => _inner.EndPoint;

    /// <inheritdoc/>
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
        try
        {
            await _slots.WaitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_unbound.IsCancellationRequested)
        {
            return null; // stopping: no more connections
        }
        ConnectionContext? connection;
        try
        {
            connection = await _inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }
        if (connection is null)
        {
            _slots.Release();
            return null;
        }
        return new SlottedConnection(connection, _slots);
    }

    /// <inheritdoc/>
    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        await _unbound.CancelAsync().ConfigureAwait(false);
        await _inner.UnbindAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        _unbound.Dispose();
    }
}
