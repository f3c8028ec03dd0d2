using System.Text;

namespace Attribution.Host.Settings;

/// <summary>
/// The configuration a command starts with, for its first log line: every setting of the command with its
/// value and where it came from (a flag, a variable, the file, or the default), secrets masked.
/// </summary>
public static class EffectiveConfiguration
{
    /// <summary>What a masked value is written as.</summary>
    public const string Mask = "***";

    // librdkafka properties that hold credentials or key material (sasl.password, ssl.key.password,
    // ssl.keystore.password, sasl.oauthbearer.client.secret, ssl.key.pem, sasl.oauthbearer.config ...).
    private static readonly string[] SecretParts = ["password", "secret", "key", "token", "credential", "jaas", "oauthbearer.config"];

    /// <summary>Whether a property's value must not be logged.</summary>
    public static bool IsSecret(string property)
        => SecretParts.Any(p => property.Contains(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>One line: <c>key=value[source] …</c> for every setting of the command, then the Kafka properties (<see cref="Entries"/>).</summary>
    public static string Render(SettingReader settings, IReadOnlyDictionary<string, string>? kafka = null)
    {
        var line = new StringBuilder("message=\"effective configuration\"");
        foreach (var entry in Entries(settings, kafka))
        {
            Append(line, entry.Key, entry.Value, entry.Source);
        }
        return line.ToString();
    }

    /// <summary>
    /// Every setting of the command with its value and source, then the Kafka properties; masked: settings named like a
    /// credential, Kafka properties <see cref="IsSecret"/> names, and any value read from a file (<c>_FILE</c>, <c>${file:…}</c>).
    /// </summary>
    public static IReadOnlyList<EffectiveSetting> Entries(SettingReader settings, IReadOnlyDictionary<string, string>? kafka = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var list = new List<EffectiveSetting>();
        foreach (var setting in SettingsCatalog.For(settings.Layers.Command))
        {
            if (setting.Kind != SettingKind.KafkaProperties)
            {
                var raw = settings.Layers.Get(setting);
                // Not IsSecret: its "key" part would hide settings such as input_keying.
                bool secret = SecretSettingParts.Any(p => setting.JsonPath.Contains(p, StringComparison.OrdinalIgnoreCase))
                    || settings.Layers.IsReference(setting);
                list.Add(new EffectiveSetting(setting.JsonPath, secret ? Mask : raw?.Value ?? setting.Default, raw?.Source ?? "default"));
            }
        }
        var referenced = settings.Layers.ReferencedKafkaProperties();
        foreach (var (property, value) in (kafka ?? settings.Layers.KafkaProperties()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            list.Add(new EffectiveSetting("kafka." + property, IsSecret(property) || referenced.Contains(property) ? Mask : value, "kafka"));
        }
        return list;
    }

    private static readonly string[] SecretSettingParts = ["password", "secret", "token", "credential"];

    /// <summary>The values <see cref="Render"/> masks, for masking them in every log line too.</summary>
    public static IEnumerable<string> SecretValues(SettingReader settings, IReadOnlyDictionary<string, string> kafka)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(kafka);
        var referenced = settings.Layers.ReferencedKafkaProperties();
        foreach (var (property, value) in kafka)
        {
            if (IsSecret(property) || referenced.Contains(property))
            {
                yield return value;
            }
        }
        foreach (var setting in SettingsCatalog.For(settings.Layers.Command))
        {
            if (setting.Kind != SettingKind.KafkaProperties && settings.Layers.IsReference(setting) && settings.Layers.Get(setting) is { } v)
            {
                yield return v.Value;
            }
        }
    }

    private static void Append(StringBuilder line, string key, string value, string source)
    {
        line.Append(' ').Append(key).Append('=');
        bool quote = value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '"' or '=' or '[');
        line.Append(quote ? $"\"{value.Replace("\"", "\\\"", StringComparison.Ordinal)}\"" : value);
        line.Append('[').Append(source).Append(']');
    }
}
