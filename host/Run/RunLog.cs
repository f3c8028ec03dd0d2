using System.Collections.Concurrent;
using Attribution.Host.Observability;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Attribution.Host.Run;

/// <summary>
/// The host's log: one event per line on standard error, each under a component (the logger category). A thin
/// facade over <see cref="ILogger"/> so callers write <c>Info("rebalance", "assigned partitions=0,1")</c>; the
/// form (<c>time level component key=value …</c> or JSON) and the level threshold come from the factory.
/// Thread-safe. librdkafka's own warnings and errors come through <see cref="Kafka"/>.
/// </summary>
public sealed class RunLog
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);
    private volatile string[] _secrets = [];

    /// <summary>Text lines to <paramref name="writer"/>; <paramref name="quiet"/> keeps only warnings and errors.</summary>
    public RunLog(TextWriter writer, bool quiet = false)
        : this(HostLogging.CreateFactory(writer, quiet ? LogLevel.Warning : LogLevel.Information, LogFormat.Text))
    {
    }

    /// <summary>Logs through <paramref name="factory"/>, one logger per component.</summary>
    public RunLog(ILoggerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Factory = factory;
    }

    /// <summary>A log writing entries at <paramref name="minimum"/> and above to <paramref name="writer"/> in <paramref name="format"/>.</summary>
    public static RunLog Create(TextWriter writer, LogLevel minimum, LogFormat format) => new(HostLogging.CreateFactory(writer, minimum, format));

    /// <summary>The factory behind this log, for components that take an <see cref="ILoggerFactory"/>.</summary>
    public ILoggerFactory Factory { get; }

    /// <summary>The logger of <paramref name="component"/>.</summary>
    public ILogger Logger(string component) => _loggers.GetOrAdd(component, static (name, factory) => factory.CreateLogger(name), Factory);

    /// <summary>An informational event.</summary>
    public void Info(string component, string message) => Write(LogLevel.Information, component, message);

    /// <summary>A warning.</summary>
    public void Warn(string component, string message) => Write(LogLevel.Warning, component, message);

    /// <summary>An error.</summary>
    public void Error(string component, string message) => Write(LogLevel.Error, component, message);

    /// <summary>
    /// A librdkafka log message: warnings and worse as such; notices, information and the <c>debug=…</c> contexts'
    /// lines at debug level, so <c>--kafka debug=broker,security --log-level debug</c> shows them.
    /// </summary>
    public void Kafka(LogMessage m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var level = m.Level switch
        {
            <= SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Debug,
        };
        if (!Logger("kafka").IsEnabled(level))
        {
            return;
        }
        Write(level, "kafka", $"client={m.Name} facility={m.Facility} message=\"{m.Message}\"");
    }

    /// <summary>
    /// Masks <paramref name="secrets"/> (the values of secret settings) as <c>***</c> in every line from now on, whoever
    /// writes it: librdkafka's own lines may quote a property's value.
    /// </summary>
    public void Redact(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        // Longest first, so a secret containing another is masked whole; very short values would mask ordinary words.
        _secrets = [.. secrets.Where(s => s.Length >= 3).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length)];
    }

    private void Write(LogLevel level, string component, string message)
    {
        var logger = Logger(component);
        if (logger.IsEnabled(level))
        {
            foreach (string secret in _secrets)
            {
                message = message.Replace(secret, Settings.EffectiveConfiguration.Mask, StringComparison.Ordinal);
            }
            logger.Log(level, default, new LogFields(message), null, LogFields.Format);
        }
    }
}
