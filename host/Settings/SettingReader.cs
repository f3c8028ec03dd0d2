using System.Globalization;
using Attribution.Host.Cli;

namespace Attribution.Host.Settings;

/// <summary>
/// Reads typed values from <see cref="LayeredSettings"/>: the same rules and the same one-sentence errors,
/// naming the flag, variable or file key the bad value came from, whichever layer set it.
/// </summary>
public sealed class SettingReader(LayeredSettings layers)
{
    /// <summary>The layered settings read.</summary>
    public LayeredSettings Layers { get; } = layers ?? throw new ArgumentNullException(nameof(layers));

    /// <summary>The setting of the command by key (it must exist: a programming error otherwise).</summary>
    public Setting this[string key] => SettingsCatalog.Find(Layers.Command, key) ?? throw new InvalidOperationException($"No setting '{key}' for {Layers.Command}.");

    /// <summary>Whether any layer sets the setting.</summary>
    public bool Has(string key) => Layers.Get(this[key]) is not null;

    /// <summary>The raw value and its source, or null.</summary>
    public (string Value, string Source)? Raw(string key) => Layers.Get(this[key]);

    /// <summary>The text, or <paramref name="defaultValue"/>.</summary>
    public string? Text(string key, string? defaultValue = null) => Raw(key)?.Value ?? defaultValue;

    /// <summary>A whole number within the setting's range (from the catalog, i.e. the engine's bounds).</summary>
    public long Integer(string key, long defaultValue)
    {
        var setting = this[key];
        if (Layers.Get(setting) is not { } v)
        {
            return defaultValue;
        }
        var range = setting.Range ?? new(long.MinValue, long.MaxValue);
        if (!long.TryParse(v.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || !range.Contains(n))
        {
            throw new UsageException($"{v.Source} needs a whole number from {range.Min} to {range.Max}, but got '{v.Value}'.");
        }
        return n;
    }

    /// <summary>A whole number, or null when unset.</summary>
    public long? OptionalInteger(string key) => Has(key) ? Integer(key, 0) : null;

    /// <summary>A duration in milliseconds within the setting's range (milliseconds; none = any).</summary>
    public long Duration(string key, long defaultMs)
    {
        var setting = this[key];
        if (Layers.Get(setting) is not { } v)
        {
            return defaultMs;
        }
        (long minMs, long maxMs) = setting.Range is { } r ? (r.Min, r.Max) : (0, long.MaxValue);
        long ms = ParseDurationMs(v.Source, v.Value.Trim());
        if (ms < minMs || ms > maxMs)
        {
            throw new UsageException($"{v.Source} must be between {minMs} ms and {maxMs} ms, but got '{v.Value}'.");
        }
        return ms;
    }

    /// <summary>A duration in milliseconds, or null when unset.</summary>
    public long? OptionalDuration(string key) => Has(key) ? Duration(key, 0) : null;

    /// <summary>A positive number of hours (at most a year), in milliseconds.</summary>
    public long Hours(string key, long defaultMs)
    {
        if (Raw(key) is not { } v)
        {
            return defaultMs;
        }
        if (!double.TryParse(v.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double h) || !(h > 0) || h > 24 * 366)
        {
            throw new UsageException($"{v.Source} needs a positive number of hours (at most a year), but got '{v.Value}'.");
        }
        return (long)Math.Round(h * Engine.Attribution.AttributionConfig.HourMs);
    }

    /// <summary>A switch: given as a flag, or true/false in the file or environment.</summary>
    public bool Switch(string key)
    {
        if (Raw(key) is not { } v)
        {
            return false;
        }
        return bool.TryParse(v.Value.Trim(), out bool on) ? on : throw new UsageException($"{v.Source} must be true or false, but got '{v.Value}'.");
    }

    /// <summary>One of the setting's words (case-insensitive), lower case.</summary>
    public string Choice(string key, string defaultValue)
    {
        var setting = this[key];
        if (Layers.Get(setting) is not { } v)
        {
            return defaultValue;
        }
        string word = v.Value.Trim().ToLowerInvariant();
        if (!setting.Choices.Contains(word))
        {
            string list = setting.Choices.Count == 2 ? $"{setting.Choices[0]} or {setting.Choices[1]}" : $"one of {string.Join(", ", setting.Choices)}";
            throw new UsageException($"{v.Source} must be {list}, but got '{v.Value}'.");
        }
        return word;
    }

    /// <summary>Parses a duration with a unit (ms, s, m, h, d); 0 needs none.</summary>
    public static long ParseDurationMs(string what, string v)
    {
        ArgumentNullException.ThrowIfNull(v);
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
