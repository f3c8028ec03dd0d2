namespace Attribution.Host.Observability;

/// <summary>How log lines are written on standard error.</summary>
public enum LogFormat
{
    /// <summary><c>time level component key=value …</c>, one event per line (the default; greps and parses easily).</summary>
    Text,

    /// <summary>One JSON object per line, for log shippers.</summary>
    Json,
}
