namespace Attribution.Host.Settings;

/// <summary>One setting a command runs with, for display: its key, its value (masked when secret) and where it came from.</summary>
/// <param name="Key">The setting's config-file path, or <c>kafka.</c> + a librdkafka property.</param>
/// <param name="Value">Its value, or <see cref="EffectiveConfiguration.Mask"/>.</param>
/// <param name="Source">A flag, a variable, the file, the default, or <c>kafka</c>.</param>
public readonly record struct EffectiveSetting(string Key, string Value, string Source);
