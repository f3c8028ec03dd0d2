using System.Globalization;
using Attribution.Host.Cli;

namespace Attribution.Host.Run;

/// <summary>Reads <c>--start-from-timestamp</c>: an ISO-8601 time in UTC (with <c>Z</c> or an offset) or Unix epoch milliseconds.</summary>
internal static class StartFromTimestamp
{
    /// <summary>The time in Unix ms, or null when the setting is not given.</summary>
    /// <exception cref="UsageException">It is neither form, or before 1970.</exception>
    public static long? Parse((string Value, string Source)? raw)
    {
        if (raw is not { } v)
        {
            return null;
        }
        string text = v.Value.Trim();
        if (text.Length > 0 && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long ms))
        {
            return ms;
        }
        // A time without a zone would depend on the host's clock setting: refused, like a bare local time.
        bool zoned = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (zoned && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time) && time.ToUnixTimeMilliseconds() >= 0)
        {
            return time.ToUnixTimeMilliseconds();
        }
        throw new UsageException($"{v.Source} must be an ISO-8601 time in UTC like 2026-12-07T06:00:00Z or Unix epoch milliseconds, but got '{v.Value}'.");
    }
}
