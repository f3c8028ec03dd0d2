using System.CommandLine;
using Attribution.Host.Settings;

namespace Attribution.Host.Cli;

/// <summary>
/// The flags of one command, made from <see cref="SettingsCatalog"/>: each takes its text as given, so the
/// value is checked once, by the same rules whether it came from a flag, a variable or the config file.
/// </summary>
public sealed class CommandSettings
{
    private readonly List<(Option Option, Setting Setting)> _options = [];

    private CommandSettings(SettingScope scope) => Scope = scope;

    /// <summary>The command.</summary>
    public SettingScope Scope { get; }

    /// <summary>Adds the command's flags to <paramref name="command"/>.</summary>
    public static CommandSettings AddTo(Command command, SettingScope scope)
    {
        ArgumentNullException.ThrowIfNull(command);
        var settings = new CommandSettings(scope);
        foreach (var setting in SettingsCatalog.For(scope))
        {
            Option option = setting.Kind switch
            {
                SettingKind.Switch => new Option<bool>(setting.Flag) { Arity = ArgumentArity.Zero },
                SettingKind.KafkaProperties => new Option<string[]>(setting.Flag) { AllowMultipleArgumentsPerToken = false },
                _ => new Option<string>(setting.Flag),
            };
            option.Description = Describe(setting);
            option.Hidden = setting.Hidden;
            option.HelpName = setting.Kind switch
            {
                SettingKind.Integer => "N",
                SettingKind.Duration => "DURATION",
                SettingKind.Hours => "HOURS",
                SettingKind.Choice when setting.Choices.Count <= 3 => string.Join('|', setting.Choices),
                SettingKind.Choice => setting.Key.Split(':')[^1].ToUpperInvariant(),
                SettingKind.KafkaProperties => "KEY=VALUE",
                _ => "TEXT",
            };
            if (setting.Kind == SettingKind.Choice)
            {
                option.CompletionSources.Add(setting.Choices.ToArray());
            }
            command.Options.Add(option);
            settings._options.Add((option, setting));
        }
        return settings;
    }

    /// <summary>
    /// Loads the settings and reads the command's options with <paramref name="read"/>. On a usage error writes
    /// "attribution <paramref name="command"/>: ..." to the context's error stream and returns false (the command exits 2).
    /// </summary>
    internal bool TryRead<T>(ParseResult parse, CliContext context, string command, Func<SettingReader, T> read,
        out SettingReader reader, out T options)
    {
        try
        {
            reader = new SettingReader(Load(parse, context.Environment));
            options = read(reader);
            return true;
        }
        catch (UsageException e)
        {
            context.Error.WriteLine($"attribution {command}: {e.Message}");
            reader = null!;
            options = default!;
            return false;
        }
    }

    /// <summary>Layers the file, <paramref name="environment"/> and the flags given in <paramref name="parse"/>.</summary>
    /// <exception cref="UsageException">A --kafka value is not key=value, or the file is bad.</exception>
    public LayeredSettings Load(ParseResult parse, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var flags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, setting) in _options)
        {
            if (parse.GetResult(option) is not { Implicit: false })
            {
                continue;
            }
            switch (setting.Kind)
            {
                case SettingKind.Switch:
                    values[setting.Key] = "true";
                    break;
                case SettingKind.KafkaProperties:
                    foreach (string pair in parse.GetValue((Option<string[]>)option) ?? [])
                    {
                        int eq = pair.IndexOf('=', StringComparison.Ordinal);
                        if (eq <= 0)
                        {
                            throw new UsageException($"--kafka needs key=value, like security.protocol=SASL_SSL, but got '{pair}'.");
                        }
                        string key = $"{setting.Key}:{pair[..eq].Trim()}";
                        values[key] = pair[(eq + 1)..];
                        flags[key] = $"--kafka {pair[..eq].Trim()}";
                    }
                    continue;
                default:
                    values[setting.Key] = parse.GetValue((Option<string>)option) ?? "";
                    break;
            }
            flags[setting.Key] = setting.Flag;
        }
        return LayeredSettings.Load(Scope, values, flags, environment);
    }

    private static string Describe(Setting s)
    {
        string bound = s.Kind is SettingKind.Integer or SettingKind.Duration && s.BoundText.Length > 0 ? $", {s.BoundText}" : "";
        string env = s.Kind == SettingKind.KafkaProperties ? "" : $"; {s.EnvironmentVariable}";
        return $"{s.Help} (default {s.Default}{bound}{env})";
    }
}
