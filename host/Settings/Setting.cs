using Attribution.Engine.Attribution;

namespace Attribution.Host.Settings;

/// <summary>
/// One setting: its configuration key (the JSON path, <c>:</c> between sections), its flag, the commands
/// that take it, how its text is read and its bounds. The environment variable follows from the key.
/// </summary>
/// <param name="Key">Configuration key, e.g. <c>click_history</c> or <c>logging:level</c>.</param>
/// <param name="Flag">The flag, e.g. <c>--click-history</c>.</param>
/// <param name="Scope">The commands that take it.</param>
/// <param name="Kind">How its text is read.</param>
/// <param name="Default">The default, as shown in help and the docs.</param>
/// <param name="Help">What it does, for --help.</param>
public sealed record Setting(string Key, string Flag, SettingScope Scope, SettingKind Kind, string Default, string Help)
{
    /// <summary>Bounds of an <see cref="SettingKind.Integer"/> (from the engine where the engine owns them), or of a <see cref="SettingKind.Duration"/> in milliseconds.</summary>
    public SettingRange? Range { get; init; }

    /// <summary>Accepted words of a <see cref="SettingKind.Choice"/>.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Hidden from help (test-only knobs).</summary>
    public bool Hidden { get; init; }

    /// <summary>The environment variable: <c>ATTRIBUTION_</c> + the key in capitals, <c>__</c> between sections.</summary>
    public string EnvironmentVariable => SettingsCatalog.EnvironmentPrefix + Key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>The JSON path in the config file, sections joined by dots.</summary>
    public string JsonPath => Key.Replace(':', '.');

    /// <summary>The bound as shown in help and the docs.</summary>
    public string BoundText => Kind switch
    {
        SettingKind.Integer when Range is { } r => r.Max == long.MaxValue ? $"at least {r.Min}" : $"{r.Min} to {r.Max}",
        SettingKind.Duration when Range is { } r => $"{Milliseconds(r.Min)} to {Milliseconds(r.Max)}",
        SettingKind.Choice => string.Join('|', Choices),
        SettingKind.Switch => "true|false",
        _ => "",
    };

    private static string Milliseconds(long ms) => ms switch
    {
        _ when ms >= 86_400_000 && ms % 86_400_000 == 0 => $"{ms / 86_400_000}d",
        _ when ms >= 3_600_000 && ms % 3_600_000 == 0 => $"{ms / 3_600_000}h",
        _ when ms >= 60_000 && ms % 60_000 == 0 => $"{ms / 60_000}m",
        _ when ms >= 1_000 && ms % 1_000 == 0 => $"{ms / 1_000}s",
        _ => $"{ms}ms",
    };
}
