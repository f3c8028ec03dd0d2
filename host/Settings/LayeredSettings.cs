using Attribution.Host.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Attribution.Host.Settings;

/// <summary>
/// The settings of one command, layered with Microsoft.Extensions.Configuration, weakest first: the JSON
/// file (<c>--config</c> or <c>ATTRIBUTION_CONFIG</c>), the environment, the flags. Each value keeps where
/// it came from, so a bad one is named by its flag, variable or file key.
/// </summary>
public sealed class LayeredSettings
{
    private readonly IConfigurationRoot _root;
    private readonly JsonConfigurationProvider? _file;
    private readonly string? _fileName;

    private LayeredSettings(IConfigurationRoot root, string? fileName)
    {
        _root = root;
        _fileName = fileName;
        _file = root.Providers.OfType<JsonConfigurationProvider>().FirstOrDefault();
    }

    /// <summary>The command these settings are for.</summary>
    public SettingScope Command { get; private init; }

    /// <summary>Problems worth a warning that do not stop the command (unknown <c>ATTRIBUTION_*</c> variables).</summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    /// <summary>Layers the file, <paramref name="environment"/> and the flags' values (keyed by setting key, <c>kafka:&lt;property&gt;</c> for --kafka).</summary>
    /// <exception cref="UsageException">The file cannot be read, is not JSON, or has an unknown key.</exception>
    public static LayeredSettings Load(SettingScope command, IReadOnlyDictionary<string, string> flagValues, IReadOnlyDictionary<string, string> flagNames, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(flagValues);
        ArgumentNullException.ThrowIfNull(environment);
        string? path = flagValues.GetValueOrDefault(SettingsCatalog.Config.Key) ?? environment.GetValueOrDefault(SettingsCatalog.Config.EnvironmentVariable);
        var builder = new ConfigurationBuilder();
        if (path is not null)
        {
            if (path.Trim().Length == 0)
            {
                throw new UsageException("The config file setting names no file.");
            }
            builder.AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false);
        }
        var env = new EnvironmentSettingsProvider(environment);
        var flags = new FlagSettingsProvider(flagValues, flagNames);
        builder.Add(env).Add(flags);
        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"The config file '{path}' does not exist.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"The config file '{path}' cannot be read: {e.Message.TrimEnd('.')}.");
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            throw new UsageException($"The config file '{path}' is not valid JSON ({Sentence(e)}).");
        }
        var settings = new LayeredSettings(root, path is null ? null : Path.GetFileName(path))
        {
            Command = command,
            Warnings = [.. env.Unknown.Select(u => $"the environment variable {u.Variable} is not a setting and is ignored{(u.Closest is null ? "" : $" (did you mean {u.Closest}?)")}.")],
        };
        settings.CheckFileKeys();
        return settings;
    }

    /// <summary>The value of <paramref name="setting"/> and where it came from, or null when no layer sets it.</summary>
    public (string Value, string Source)? Get(Setting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        foreach (var provider in _root.Providers.Reverse())
        {
            if (provider.TryGet(setting.Key, out string? value) && value is not null)
            {
                string source = SourceOf(provider, setting.Key);
                return (SecretReference.Resolve(value, source), source);
            }
        }
        return null;
    }

    /// <summary>
    /// The librdkafka properties of every layer, the stronger layer winning per property; a nested object in the file
    /// (<c>"consumer": {…}</c>) is the prefixed form. <c>${file:…}</c> references are read.
    /// </summary>
    /// <exception cref="UsageException">A referenced secret file cannot be read.</exception>
    public IReadOnlyDictionary<string, string> KafkaProperties()
        => RawKafkaProperties().ToDictionary(p => p.Key, p => SecretReference.Resolve(p.Value.Value, p.Value.Source), StringComparer.Ordinal);

    /// <summary>Whether the strongest layer setting <paramref name="setting"/> gives it by reference (<c>${file:…}</c>).</summary>
    public bool IsReference(Setting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        foreach (var provider in _root.Providers.Reverse())
        {
            if (provider.TryGet(setting.Key, out string? value) && value is not null)
            {
                return SecretReference.IsReference(value);
            }
        }
        return false;
    }

    /// <summary>The properties whose value was given by reference (<c>${file:…}</c>): shown masked, as secrets.</summary>
    public IReadOnlySet<string> ReferencedKafkaProperties()
        => RawKafkaProperties().Where(p => SecretReference.IsReference(p.Value.Value)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

    // Layer by layer, weakest first, so a stronger layer's property wins whichever form (dotted or nested) each used.
    private Dictionary<string, (string Value, string Source)> RawKafkaProperties()
    {
        var kafka = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var provider in _root.Providers)
        {
            foreach (var (key, value) in new ConfigurationRoot([provider]).GetSection(SettingsCatalog.Kafka.Key).AsEnumerable(makePathsRelative: true))
            {
                if (value is not null)
                {
                    string property = key.Replace(':', '.');
                    string full = SettingsCatalog.Kafka.Key + ":" + key;
                    kafka[property] = (value, provider is JsonConfigurationProvider ? $"kafka.{property} in {_fileName}" : SourceOf(provider, full));
                }
            }
        }
        return kafka;
    }

    private string SourceOf(IConfigurationProvider provider, string key) => provider switch
    {
        FlagSettingsProvider f => f.FlagOf(key),
        EnvironmentSettingsProvider e => e.VariableOf(key),
        _ => $"{key.Replace(':', '.')} in {_fileName}",
    };

    // A key no command knows is a typo: the file is given to this command on purpose, so it fails (unlike the environment, shared by every process).
    private void CheckFileKeys()
    {
        if (_file is null)
        {
            return;
        }
        foreach (var (key, value) in new ConfigurationRoot([_file]).AsEnumerable())
        {
            if (value is null || key.StartsWith(SettingsCatalog.Kafka.Key + ":", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (string.Equals(key, SettingsCatalog.Kafka.Key, StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"\"kafka\" in {_fileName} must be an object of librdkafka properties.");
            }
            if (!SettingsCatalog.IsKnownKey(key))
            {
                string? closest = ClosestName.Of(key, SettingsCatalog.All.Select(s => s.Key).Distinct());
                throw new UsageException($"The config file {_fileName} has an unknown key '{key.Replace(':', '.')}'{(closest is null ? "" : $" (did you mean '{closest.Replace(':', '.')}'?)")}.");
            }
        }
    }

    private static string Sentence(Exception e)
    {
        string text = (e.InnerException ?? e).Message;
        int dot = text.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? text[..dot] : text).TrimEnd('.');
    }
}
