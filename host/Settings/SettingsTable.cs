using System.Text;

namespace Attribution.Host.Settings;

/// <summary>The settings as a Markdown table for docs/CONFIGURATION.md (a test keeps the file equal to it).</summary>
public static class SettingsTable
{
    /// <summary>One row per setting and command group: key, flag, variable, commands, default, bound.</summary>
    public static string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| JSON key | flag | environment variable | commands | default | bound |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var s in SettingsCatalog.All.Where(s => !s.Hidden))
        {
            string env = s.Kind == SettingKind.KafkaProperties ? $"`{SettingsCatalog.KafkaVariablePrefix}<KEY>` ('_' for '.')" : $"`{s.EnvironmentVariable}`";
            string key = s.Kind == SettingKind.KafkaProperties ? "`kafka.<property>`" : $"`{s.JsonPath}`";
            string flag = s.Kind == SettingKind.KafkaProperties ? "`--kafka KEY=VALUE`" : $"`{s.Flag}`";
            string bound = s.BoundText.Replace("|", "\\|", StringComparison.Ordinal);
            text.AppendLine($"| {key} | {flag} | {env} | {Commands(s.Scope)} | {s.Default} | {bound} |");
        }
        return text.ToString();
    }

    private static string Commands(SettingScope scope)
        => string.Join(", ", new[] { (SettingScope.Run, "run"), (SettingScope.Replay, "replay"), (SettingScope.Demo, "demo") }
            .Where(c => (scope & c.Item1) != 0).Select(c => c.Item2));
}
