using Attribution.Host.Observability;
using Microsoft.Extensions.Logging;

namespace Attribution.Host.Settings;

/// <summary>Reads the <c>logging</c> section (<c>--log-level</c>, <c>--log-format</c>) every command shares.</summary>
public static class LogSettings
{
    /// <summary>The log level (default information).</summary>
    public static LogLevel Level(SettingReader settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Enum.Parse<LogLevel>(settings.Choice("logging:level", "information"), ignoreCase: true);
    }

    /// <summary>The log format (default text).</summary>
    public static LogFormat Format(SettingReader settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Choice("logging:format", "text") == "json" ? LogFormat.Json : LogFormat.Text;
    }
}
