using Microsoft.Extensions.Hosting;

namespace Attribution.Host.Run;

/// <summary>
/// The metrics server's lifetime: it starts and stops only when the host says so. The default (console) lifetime
/// would register its own SIGTERM and Ctrl-C handlers beside the host's, and stop the server before the pipeline.
/// </summary>
internal sealed class MetricsHostLifetime : IHostLifetime
{
    /// <inheritdoc/>
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
