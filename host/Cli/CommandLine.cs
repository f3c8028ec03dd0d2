using System.Globalization;

namespace Attribution.Host.Cli;

/// <summary>Thrown for a bad command line; the message is one sentence meant for a person.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A small `--flag value` / `--flag=value` parser. Each command declares the flags it knows, so an
/// unknown or misspelled flag fails at start with a sentence instead of being ignored.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    private CommandLine(string command) => Command = command;

    /// <summary>The command these flags belong to (for messages).</summary>
    public string Command { get; }

    /// <summary>Parses <paramref name="args"/>; <paramref name="valueFlags"/> take a value, <paramref name="switches"/> do not.</summary>
    public static CommandLine Parse(string command, string[] args, IReadOnlyCollection<string> valueFlags, IReadOnlyCollection<string> switches)
    {
        var cl = new CommandLine(command);
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"'{arg}' is not a flag of '{command}'; flags start with -- (see 'attribution {command} --help').");
            }
            string name = arg;
            string? value = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            if (switches.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"The flag {name} takes no value.");
                }
                cl._values[name] = null;
                continue;
            }
            if (!valueFlags.Contains(name))
            {
                throw new UsageException($"'{name}' is not a flag of '{command}' (see 'attribution {command} --help').");
            }
            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"The flag {name} needs a value.");
                }
                value = args[++i];
            }
            if (cl._values.ContainsKey(name))
            {
                throw new UsageException($"The flag {name} is given twice.");
            }
            cl._values[name] = value;
        }
        return cl;
    }

    /// <summary>True when the flag or switch was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The flag's value, or null when absent.</summary>
    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary>An integer flag within [min, max].</summary>
    public int GetInt(string name, int defaultValue, int min, int max)
    {
        string? v = Get(name);
        if (v is null)
        {
            return defaultValue;
        }
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new UsageException($"The flag {name} needs a whole number from {min} to {max}, but got '{v}'.");
        }
        return n;
    }

    /// <summary>A 64-bit integer flag within [min, max].</summary>
    public long GetLong(string name, long defaultValue, long min, long max)
    {
        string? v = Get(name);
        if (v is null)
        {
            return defaultValue;
        }
        if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < min || n > max)
        {
            throw new UsageException($"The flag {name} needs a whole number from {min} to {max}, but got '{v}'.");
        }
        return n;
    }

    /// <summary>A positive number of hours (may be fractional), returned in milliseconds.</summary>
    public long GetHoursAsMs(string name, long defaultMs)
    {
        string? v = Get(name);
        if (v is null)
        {
            return defaultMs;
        }
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double h) || !(h > 0) || h > 24 * 366)
        {
            throw new UsageException($"The flag {name} needs a positive number of hours (at most a year), but got '{v}'.");
        }
        return (long)Math.Round(h * 3_600_000d);
    }

    /// <summary>A duration such as 500ms, 30s, 15m, 1h or 2d (0 needs no unit), returned in milliseconds.</summary>
    public long GetDurationMs(string name, long defaultMs)
    {
        string? v = Get(name);
        return v is null ? defaultMs : ParseDurationMs(name, v);
    }

    /// <summary>Parses a duration with a unit (ms, s, m, h, d).</summary>
    public static long ParseDurationMs(string what, string v)
    {
        if (v == "0")
        {
            return 0;
        }
        (string digits, long unit) = v switch
        {
            _ when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], 1L),
            _ when v.EndsWith('s') => (v[..^1], 1000L),
            _ when v.EndsWith('m') => (v[..^1], 60_000L),
            _ when v.EndsWith('h') => (v[..^1], 3_600_000L),
            _ when v.EndsWith('d') => (v[..^1], 86_400_000L),
            _ => ("", 0L),
        };
        if (unit == 0 || !double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || n < 0 || n * unit > 400L * 86_400_000L)
        {
            throw new UsageException($"{what} needs a duration with a unit, like 500ms, 30s, 15m, 1h or 2d, but got '{v}'.");
        }
        return (long)Math.Round(n * unit);
    }
}
