using Microsoft.Extensions.Configuration;

namespace Attribution.Host.Settings;

/// <summary>The flags given on the command line, as the strongest configuration layer (keyed like the file).</summary>
internal sealed class FlagSettingsProvider(IReadOnlyDictionary<string, string> values, IReadOnlyDictionary<string, string> flags) : ConfigurationProvider, IConfigurationSource
{
    /// <summary>The flag a key was given by.</summary>
    public string FlagOf(string key) => flags.TryGetValue(key, out var f) ? f : key;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public override void Load()
        => Data = new Dictionary<string, string?>(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)), StringComparer.OrdinalIgnoreCase);
}
