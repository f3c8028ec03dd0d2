using Microsoft.Extensions.Configuration;

namespace Attribution.Host.Settings;

/// <summary>
/// The <c>ATTRIBUTION_*</c> environment variables as configuration: the prefix is dropped and <c>__</c>
/// separates sections (<c>ATTRIBUTION_LOGGING__LEVEL</c> is <c>logging:level</c>), as the
/// Microsoft.Extensions.Configuration environment provider does; it takes the variables as a dictionary
/// so a test can give its own. Also <c>ATTRIBUTION_KAFKA_&lt;KEY&gt;</c> (librdkafka properties, '_' for '.')
/// and, weaker than <c>ATTRIBUTION_BOOTSTRAP_SERVERS</c>, the upstream <c>KAFKA_BOOTSTRAP_SERVERS</c>. A variable
/// ending in <c>_FILE</c> (<c>ATTRIBUTION_KAFKA_SASL_PASSWORD_FILE</c>) names a file holding the value (<see cref="SecretReference"/>).
/// </summary>
internal sealed class EnvironmentSettingsProvider(IReadOnlyDictionary<string, string> environment) : ConfigurationProvider, IConfigurationSource
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Variables with the prefix that name no setting of any command, with the closest known variable (or null).</summary>
    public List<(string Variable, string? Closest)> Unknown { get; } = [];

    /// <summary>The variable a key was read from.</summary>
    public string VariableOf(string key) => _variables.TryGetValue(key, out var v) ? v : key;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (environment.GetValueOrDefault(SettingsCatalog.UpstreamBootstrapVariable) is { } upstream)
        {
            Put(data, "bootstrap_servers", upstream, SettingsCatalog.UpstreamBootstrapVariable);
        }
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(SettingsCatalog.EnvironmentPrefix, StringComparison.Ordinal) || name == SettingsCatalog.EnvironmentPrefix
                || SettingsCatalog.OtherToolsVariables.Contains(name) || name.StartsWith(SettingsCatalog.TestKafkaVariablePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (name.StartsWith(SettingsCatalog.KafkaVariablePrefix, StringComparison.Ordinal) && name.Length > SettingsCatalog.KafkaVariablePrefix.Length)
            {
                // librdkafka names use dots, which shells cannot put in a variable: '_' stands for '.'.
                string property = name[SettingsCatalog.KafkaVariablePrefix.Length..].TrimStart('_').ToLowerInvariant().Replace('_', '.');
                // No librdkafka property ends in ".file": ATTRIBUTION_KAFKA_SASL_PASSWORD_FILE is sasl.password read from a file.
                bool byFile = property.EndsWith(".file", StringComparison.Ordinal) && property.Length > ".file".Length;
                Put(data, "kafka:" + (byFile ? property[..^".file".Length] : property), byFile ? SecretReference.To(value) : value, name);
                continue;
            }
            string key = name[SettingsCatalog.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal).ToLowerInvariant();
            // <SETTING>_FILE reads the setting from a file, unless the name is a setting of its own (ATTRIBUTION_OUTPUT_FILE).
            if (!SettingsCatalog.IsKnownKey(key) && key.EndsWith("_file", StringComparison.Ordinal) && SettingsCatalog.IsKnownKey(key[..^"_file".Length]))
            {
                Put(data, key[..^"_file".Length], SecretReference.To(value), name);
                continue;
            }
            if (!SettingsCatalog.IsKnownKey(key))
            {
                Unknown.Add((name, ClosestName.Of(name, SettingsCatalog.All.Select(s => s.EnvironmentVariable).Distinct())));
                continue;
            }
            Put(data, key, value, name);
        }
        Data = data;
    }

    private void Put(Dictionary<string, string?> data, string key, string value, string variable)
    {
        data[key] = value;
        _variables[key] = variable;
    }
}
