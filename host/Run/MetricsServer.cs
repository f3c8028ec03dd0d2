using System.Net;
using System.Net.Sockets;
using System.Text;
using Attribution.Host.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Attribution.Host.Run;

/// <summary>
/// <c>GET /metrics</c> (prometheus-net's exporter: text format 0.0.4, or OpenMetrics when the scraper asks for it) and
/// <c>GET /health</c> (200 when the pipeline owns its partitions and has not failed, else 503), the probes
/// <c>/health/live</c> and <c>/health/ready</c> and the status page (<see cref="StatusEndpoints"/>), served by Kestrel on
/// one address and port, with bounded connections, request sizes and idle times so that no client can exhaust the
/// host. Kestrel runs on the thread pool; the pipeline's shard and source threads are its own and never serve a request.
/// </summary>
public sealed class MetricsServer : IDisposable
{
    /// <summary>Connections kept open at most; one more closes the connection idle the longest.</summary>
    public const int ConnectionLimit = 512;

    /// <summary>
    /// Connections accepted at most (a descriptor each): room for newcomers, which close the idle ones past
    /// <see cref="ConnectionLimit"/>, and for those still closing. More wait in the kernel's accept queue.
    /// </summary>
    public const int HardConnectionLimit = 2 * ConnectionLimit;

    /// <summary>Longest request line (method, path, version).</summary>
    public const int MaxRequestLineBytes = 4 * 1024;

    /// <summary>Longest header block of a request.</summary>
    public const int MaxRequestHeadersBytes = 8 * 1024;

    /// <summary>Largest request body (no endpoint reads one).</summary>
    public const int MaxRequestBodyBytes = 4 * 1024;

    /// <summary>How long a request may take to send its headers, from its first byte.</summary>
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a connection may stay idle, before its first request (Kestrel applies this one there, not the header
    /// timeout) or between two. Shorter than a usual scrape interval: a scraper reconnects, which costs little here.
    /// </summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Slowest body upload and response download accepted, after a grace period.</summary>
    public static readonly MinDataRate MinDataRate = new(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));

    // A stop waits this long for requests in flight, then aborts them: well inside the host's 20 s stop bound.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private const string TextType = "text/plain; charset=utf-8";

    // The .NET runtime's own meter (GC, heap, thread pool, locks, exceptions, JIT): exported beside prometheus-net's
    // process and dotnet figures. Kestrel's meters stay out: they would count every Kestrel server in the process.
    private const string RuntimeMeter = "System.Runtime";

    private readonly WebApplication _app;
    private readonly MetricsConnectionLimit _connections;
    private readonly IDisposable _runtimeMeters;
    private readonly StatusHistory _history;

    private MetricsServer(WebApplication app, MetricsConnectionLimit connections, IDisposable runtimeMeters, StatusHistory history)
    {
        _app = app;
        _connections = connections;
        _runtimeMeters = runtimeMeters;
        _history = history;
    }

    /// <summary>Connections closed so far because <see cref="ConnectionLimit"/> was reached.</summary>
    public long ConnectionsClosedAtLimit => _connections.Closed;

    /// <summary>
    /// Starts serving on <paramref name="address"/> (127.0.0.1 unless the operator widens it) and
    /// <paramref name="port"/>; null, with the reason in <paramref name="problem"/>, when it cannot listen there.
    /// <paramref name="settings"/> is what the status page shows as the effective settings (secrets already masked).
    /// </summary>
    public static MetricsServer? TryStart(IPAddress address, int port, IPipelineFigures pipeline, RunLog log, out string? problem,
        IReadOnlyList<Settings.EffectiveSetting>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(log);
        CollectorRegistry registry = pipeline.Stats.Metrics;
        DotNetStats.Register(registry);
        PipelineMetrics.Register(registry, pipeline);
        StateMetrics.Register(registry, pipeline);
        var runtimeMeters = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = Metrics.WithCustomRegistry(registry), // its default is the process-wide registry's factory
            InstrumentFilterPredicate = instrument => instrument.Meter.Name == RuntimeMeter,
        });
        var connections = new MetricsConnectionLimit(ConnectionLimit, log);
        var app = Build(address, port, connections);
        MapEndpoints(app, pipeline, registry, connections);
        var history = new StatusHistory(pipeline.Stats, TimeSpan.FromSeconds(1));
        StatusEndpoints.Map(app, pipeline, history, settings ?? []);
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            ((IDisposable)app).Dispose();
            runtimeMeters.Dispose();
            history.Dispose();
            problem = (e.InnerException ?? e).Message.TrimEnd('.');
            return null;
        }
        problem = null;
        log.Info("metrics", $"listening address={address} port={port} connection_limit={ConnectionLimit}");
        return new MetricsServer(app, connections, runtimeMeters, history);
    }

    // A bare Kestrel: no configuration sources, logging or console lifetime of the generic host, HTTP/1.1 only.
    private static WebApplication Build(IPAddress address, int port, MetricsConnectionLimit connections)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "attribution-metrics" });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, MetricsHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopTimeout);
        builder.WebHost.UseSockets(o => o.IOQueueCount = 1); // a scrape endpoint needs no parallel I/O queues
        builder.WebHost.UseKestrelCore();
        // Registered last, so Kestrel binds through it: accepting stops at the hard limit (Kestrel's own counts too late).
        builder.Services.AddSingleton<IConnectionListenerFactory>(services =>
            new BoundedConnectionListenerFactory(ActivatorUtilities.CreateInstance<SocketTransportFactory>(services), HardConnectionLimit));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            var limits = k.Limits;
            limits.MaxConcurrentConnections = HardConnectionLimit;
            limits.MaxConcurrentUpgradedConnections = 0;
            limits.KeepAliveTimeout = KeepAliveTimeout;
            limits.RequestHeadersTimeout = RequestHeadersTimeout;
            limits.MaxRequestLineSize = MaxRequestLineBytes;
            limits.MaxRequestHeadersTotalSize = MaxRequestHeadersBytes;
            limits.MaxRequestBodySize = MaxRequestBodyBytes;
            limits.MinRequestBodyDataRate = MinDataRate;
            limits.MinResponseDataRate = MinDataRate;
            k.Listen(address, port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(connections.Wrap);
            });
        });
        return builder.Build();
    }

    // One line per endpoint; a path none of them matches gets the old plain-text 404.
    private static void MapEndpoints(WebApplication app, IPipelineFigures pipeline, CollectorRegistry registry, MetricsConnectionLimit connections)
    {
        app.Use(async (context, next) =>
        {
            connections.Touch(context.Connection.Id);
            if (context.GetEndpoint() is null)
            {
                await Write(context, 404, TextType, "not found: try /, /metrics, /health/live or /health/ready\n").ConfigureAwait(false);
            }
            else
            {
                await next(context).ConfigureAwait(false);
            }
            connections.Touch(context.Connection.Id);
        });
        app.MapMetrics("/metrics", registry);
        app.Map("/health", context => StatusEndpoints.Write(context, HealthProbes.Owning(pipeline)));
    }

    private static Task Write(HttpContext context, int status, string contentType, string body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        return response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            _app.StopAsync(timeout.Token).GetAwaiter().GetResult();
        }
        ((IDisposable)_app).Dispose();
        _runtimeMeters.Dispose();
        _history.Dispose();
    }
}
