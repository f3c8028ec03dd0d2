using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Attribution.Host.Observability;

/// <summary>
/// The default text form: <c>time level component key=value …</c> on one line (UTC time to the millisecond, the
/// category as the component), so operators and scripts can grep it. An exception, should one be logged, stays on
/// the same line as <c>exception="…"</c>.
/// </summary>
public sealed class KeyValueConsoleFormatter : ConsoleFormatter
{
    /// <summary>The formatter's name, for <c>AddConsoleFormatter</c> and option selection.</summary>
    public const string FormatterName = "keyvalue";

    private readonly TimeProvider _time;

    /// <summary>A formatter reading the time from the system clock.</summary>
    public KeyValueConsoleFormatter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>A formatter reading the time from <paramref name="time"/>.</summary>
    public KeyValueConsoleFormatter(TimeProvider time)
        : base(FormatterName)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message.Length == 0 && logEntry.Exception is null)
        {
            return;
        }
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{_time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {LogLevelNames.Of(logEntry.LogLevel)} {logEntry.Category} {message}");
        if (logEntry.Exception is { } e)
        {
            line += $" exception=\"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}\"";
        }
        textWriter.Write(line);
        textWriter.Write('\n');
    }
}
