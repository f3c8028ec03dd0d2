using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Attribution.Host.Run;

/// <summary>
/// A transport whose listeners accept at most a fixed number of connections at once (<see cref="BoundedConnectionListener"/>):
/// Kestrel's own limit counts connections only once accepted, so a burst could hold any number of descriptors.
/// </summary>
internal sealed class BoundedConnectionListenerFactory(IConnectionListenerFactory inner, int limit) : IConnectionListenerFactory
{
    /// <inheritdoc/>
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
        => new BoundedConnectionListener(await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false), limit);
}
