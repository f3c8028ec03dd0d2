using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Attribution.Engine.Attribution;

namespace Attribution.Bench;

/// <summary>
/// Flags of the benchmark suites (System.CommandLine), each checked while parsing with one sentence;
/// bounds the engine owns come from its <see cref="SettingRange"/>s. Unset flags are null: a suite's
/// default may depend on --long, which is known only after parsing.
/// </summary>
internal static class BenchFlags
{
    /// <summary>A whole number within <paramref name="range"/> (underscores allowed: 1_000_000).</summary>
    public static Option<long?> Whole(string name, string description, SettingRange range) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r => ParseWhole(r, name, range),
    };

    /// <summary>A power of two within <paramref name="range"/>.</summary>
    public static Option<long?> PowerOfTwo(string name, string description, SettingRange range) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = r =>
        {
            long? v = ParseWhole(r, name, range);
            if (v is { } n && (n & (n - 1)) != 0)
            {
                r.AddError($"{name} needs a power of two; got {n}.");
            }
            return v;
        },
    };

    /// <summary>A fraction in (0, 1].</summary>
    public static Option<double?> Fraction(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "F",
        CustomParser = r =>
        {
            string text = r.Tokens[0].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f is > 0 and <= 1)
            {
                return f;
            }
            r.AddError($"{name} needs a fraction in (0, 1]; got '{text}'.");
            return null;
        },
    };

    /// <summary>One of <paramref name="words"/>.</summary>
    public static Option<string?> Choice(string name, string description, params string[] words)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = string.Join('|', words) };
        option.AcceptOnlyFromAmong(words);
        return option;
    }

    /// <summary>Free text (a directory).</summary>
    public static Option<string?> Text(string name, string description, string helpName = "PATH") => new(name) { Description = description, HelpName = helpName };

    /// <summary>A switch.</summary>
    public static Option<bool> Switch(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A comma-separated list of whole numbers of at least <paramref name="min"/>.</summary>
    public static Option<long[]?> List(string name, string description, long min) => new(name)
    {
        Description = description,
        HelpName = "N[,M]",
        CustomParser = r =>
        {
            var values = new List<long>();
            foreach (string part in r.Tokens[0].Value.Split(','))
            {
                if (!long.TryParse(part.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min)
                {
                    r.AddError($"{name} needs whole numbers of at least {min}, separated by commas; got '{part}'.");
                    return null;
                }
                values.Add(v);
            }
            return [.. values];
        },
    };

    /// <summary>A repeatable key=value flag.</summary>
    public static Option<string[]> Pairs(string name, string description) => new(name) { Description = description, HelpName = "KEY=VALUE", AllowMultipleArgumentsPerToken = false };

    /// <summary>The values of a <see cref="Pairs"/> flag as a dictionary (a later key wins); an argument without '=' is refused with a sentence.</summary>
    public static Dictionary<string, string> PairValues(ParseResult flags, Option<string[]> option)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in flags.GetValue(option) ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"{option.Name} needs key=value; got '{pair}'.");
            }
            pairs[pair[..eq]] = pair[(eq + 1)..];
        }
        return pairs;
    }

    private static long? ParseWhole(ArgumentResult r, string name, SettingRange range)
    {
        string text = r.Tokens[0].Value;
        if (long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && range.Contains(v))
        {
            return v;
        }
        r.AddError($"{name} needs a whole number from {range.Min} to {range.Max}; got '{text}'.");
        return null;
    }
}
