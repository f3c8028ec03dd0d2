using System.Text;
using System.Text.Json;
using Attribution.Host.Settings;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Attribution.Host.Observability;

/// <summary>
/// The status page (<c>/</c> with its script and style, embedded in the binary), <c>/status.json</c> that feeds it,
/// and the probes <c>/health/live</c> and <c>/health/ready</c> (<see cref="HealthProbes"/>), on the metrics server.
/// </summary>
public static class StatusEndpoints
{
    private const string TextType = "text/plain; charset=utf-8";

    private static readonly (string Path, string Resource, string ContentType)[] Assets =
    [
        ("/", "status/index.html", "text/html; charset=utf-8"),
        ("/status.js", "status/status.js", "text/javascript; charset=utf-8"),
        ("/status.css", "status/status.css", "text/css; charset=utf-8"),
    ];

    /// <summary>Maps the endpoints on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, IPipelineFigures pipeline, StatusHistory history, IReadOnlyList<EffectiveSetting> settings)
    {
        ArgumentNullException.ThrowIfNull(app);
        var started = DateTimeOffset.UtcNow;
        foreach (var (path, resource, type) in Assets)
        {
            byte[] body = Resource(resource);
            app.MapGet(path, context => Write(context, 200, type, body));
        }
        app.MapGet("/status.json", async context =>
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                StatusDocument.Write(json, pipeline, history, settings, started);
            }
            context.Response.Headers.CacheControl = "no-store";
            await Write(context, 200, "application/json; charset=utf-8", buffer.ToArray()).ConfigureAwait(false);
        });
        app.Map("/health/live", context => Write(context, HealthProbes.Live(pipeline)));
        app.Map("/health/ready", context => Write(context, HealthProbes.Ready(pipeline)));
    }

    private static byte[] Resource(string name)
    {
        using var stream = typeof(StatusEndpoints).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The status page's resource {name} is missing from the binary.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Writes a probe's answer as plain text.</summary>
    public static Task Write(HttpContext context, (int Status, string Body) answer)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Write(context, answer.Status, TextType, Encoding.UTF8.GetBytes(answer.Body));
    }

    private static Task Write(HttpContext context, int status, string contentType, byte[] body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
