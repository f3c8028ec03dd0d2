using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Attribution.Host.Observability;

/// <summary>Builds the host's logger factory: one level threshold, one line format, one writer (standard error).</summary>
public static class HostLogging
{
    /// <summary>The time format of both forms: UTC to the millisecond.</summary>
    public const string TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>
    /// A factory whose loggers write entries at <paramref name="minimum"/> and above to <paramref name="writer"/>,
    /// one line each, as <c>time level component key=value …</c> (<see cref="LogFormat.Text"/>) or as the JSON
    /// console formatter's objects (<see cref="LogFormat.Json"/>).
    /// </summary>
    public static ILoggerFactory CreateFactory(TextWriter writer, LogLevel minimum, LogFormat format)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var provider = new TextWriterLoggerProvider(writer, Formatter(format));
        return LoggerFactory.Create(logging => logging.SetMinimumLevel(minimum).AddProvider(provider));
    }

    /// <summary>The formatter of <paramref name="format"/>.</summary>
    public static ConsoleFormatter Formatter(LogFormat format) => format switch
    {
        LogFormat.Text => new KeyValueConsoleFormatter(),
        LogFormat.Json => JsonFormatter(),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown log format."),
    };

    // The library's JSON formatter is internal: it is reached through the console logger's registration, whose own
    // provider is then removed (it would write to the process's standard error from a background thread). The
    // container is left undisposed: disposing it would dispose the formatter it hands out.
    private static ConsoleFormatter JsonFormatter()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddJsonConsole(o =>
            {
                o.TimestampFormat = TimestampFormat;
                o.UseUtcTimestamp = true;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            })
            .ClearProviders());
        var container = services.BuildServiceProvider();
        return container.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json);
    }
}
