using System.Globalization;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// Structured log lines on standard error: <c>time level component key=value …</c>, one event per line,
/// so they grep and parse easily. Thread-safe. librdkafka's own warnings and errors come through <see cref="Kafka"/>.
/// </summary>
public sealed class RunLog
{
    private readonly TextWriter _writer;
    private readonly object _lock = new();

    private readonly Observability.LogFormat _format;

    // Quotes and '+' stay readable in a log line (the default encoder writes them as \u0022, \u002B).
    private static readonly System.Text.Json.JsonSerializerOptions JsonText = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Logs to <paramref name="writer"/>; <paramref name="quiet"/> keeps only warnings and errors; <paramref name="format"/> text or JSON lines.</summary>
    public RunLog(TextWriter writer, bool quiet = false, Observability.LogFormat format = Observability.LogFormat.Text)
    {
        _writer = writer;
        Quiet = quiet;
        _format = format;
    }

    /// <summary>Whether informational lines are suppressed.</summary>
    public bool Quiet { get; }

    /// <summary>An informational event.</summary>
    public void Info(string component, string message)
    {
        if (!Quiet)
        {
            Write("info", component, message);
        }
    }

    /// <summary>A warning.</summary>
    public void Warn(string component, string message) => Write("warn", component, message);

    /// <summary>An error.</summary>
    public void Error(string component, string message) => Write("error", component, message);

    /// <summary>A librdkafka log message (warnings and worse; the rest is noise for operators).</summary>
    public void Kafka(LogMessage m)
    {
        if (m.Level <= SyslogLevel.Warning)
        {
            Write(m.Level <= SyslogLevel.Error ? "error" : "warn", "kafka", $"client={m.Name} facility={m.Facility} message=\"{m.Message}\"");
        }
    }

    private void Write(string level, string component, string message)
    {
        string time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        string line = _format == Observability.LogFormat.Json
            ? $"{{\"time\":\"{time}\",\"level\":\"{level}\",\"component\":{System.Text.Json.JsonSerializer.Serialize(component, JsonText)},\"message\":{System.Text.Json.JsonSerializer.Serialize(message, JsonText)}}}"
            : $"{time} {level} {component} {message}";
        lock (_lock)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }
}
