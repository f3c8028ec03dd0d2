using Microsoft.Extensions.Logging;

namespace Attribution.Host.Observability;

/// <summary>The short level words of the text log format; scripts and tests grep for <c>" warn "</c> and the like.</summary>
public static class LogLevelNames
{
    /// <summary>The word for <paramref name="level"/>: trace, debug, info, warn, error or crit.</summary>
    public static string Of(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "error",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
