using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Attribution.Host.Run;

/// <summary>A connection that gives its slot back to <see cref="BoundedConnectionListener"/> once disposed (its socket closed).</summary>
internal sealed class SlottedConnection(ConnectionContext inner, SemaphoreSlim slots) : ConnectionContext
{
    private int _released;

    /// <inheritdoc/>
    public override string ConnectionId
    {
        get => inner.ConnectionId;
        set => inner.ConnectionId = value;
    }

    /// <inheritdoc/>
    public override IFeatureCollection Features => inner.Features;

    /// <inheritdoc/>
    public override IDictionary<object, object?> Items
    {
        get => inner.Items;
        set => inner.Items = value;
    }

    /// <inheritdoc/>
    public override IDuplexPipe Transport
    {
        get => inner.Transport;
        set => inner.Transport = value;
    }

    /// <inheritdoc/>
    public override EndPoint? LocalEndPoint
    {
        get => inner.LocalEndPoint;
        set => inner.LocalEndPoint = value;
    }

    /// <inheritdoc/>
    public override EndPoint? RemoteEndPoint
    {
        get => inner.RemoteEndPoint;
        set => inner.RemoteEndPoint = value;
    }

    /// <inheritdoc/>
    public override CancellationToken ConnectionClosed
    {
        get => inner.ConnectionClosed;
        set => inner.ConnectionClosed = value;
    }

    /// <inheritdoc/>
    public override void Abort() => inner.Abort();

    /// <inheritdoc/>
    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await base.DisposeAsync().ConfigureAwait(false);
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
