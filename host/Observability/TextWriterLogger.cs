using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Attribution.Host.Observability;

/// <summary>One category's logger of a <see cref="TextWriterLoggerProvider"/>; levels are filtered by the factory.</summary>
internal sealed class TextWriterLogger : ILogger
{
    private readonly string _category;
    private readonly TextWriterLoggerProvider _provider;

    public TextWriterLogger(string category, TextWriterLoggerProvider provider)
    {
        _category = category;
        _provider = provider;
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            _provider.Write(new LogEntry<TState>(logLevel, _category, eventId, state, exception, formatter));
        }
    }
}
