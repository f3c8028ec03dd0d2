using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Attribution.Host.Observability;

/// <summary>
/// Writes each log entry, formatted by a console formatter (ours or the library's JSON one), to a given writer at
/// once, whole and flushed. The library's console logger queues entries to a background thread and owns
/// <see cref="Console.Error"/>: a last line before an exit could be lost, and tests could not hand it their writer.
/// </summary>
public sealed class TextWriterLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly ConsoleFormatter _formatter;
    private readonly object _lock = new();

    /// <summary>Entries of every category go to <paramref name="writer"/> in <paramref name="formatter"/>'s form.</summary>
    public TextWriterLoggerProvider(TextWriter writer, ConsoleFormatter formatter)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(formatter);
        _writer = writer;
        _formatter = formatter;
    }

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new TextWriterLogger(categoryName, this);

    /// <summary>Formats one entry off the lock, then writes it as one piece.</summary>
    internal void Write<TState>(in Microsoft.Extensions.Logging.Abstractions.LogEntry<TState> entry)
    {
        using var buffer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        _formatter.Write(entry, null, buffer);
        var text = buffer.GetStringBuilder();
        if (text.Length == 0)
        {
            return;
        }
        lock (_lock)
        {
            _writer.Write(text);
            _writer.Flush();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // The writer belongs to the caller (standard error or a test's writer).
    }
}
