using Attribution.Host.Settings;
using Attribution.Tests.Bindings;

namespace Attribution.Tests.Host.Settings;

/// <summary>docs/CONFIGURATION.md's table of settings is the catalog's, so the docs cannot drift from the flags.</summary>
public class ConfigurationDocTests
{
    private const string Start = "<!-- settings table: generated from host/Settings/SettingsCatalog.cs -->";
    private const string End = "<!-- end of settings table -->";

    [Test]
    public void The_documented_table_of_settings_is_the_catalog()
    {
        string doc = RepoFiles.Read("docs/CONFIGURATION.md").ReplaceLineEndings("\n");
        int start = doc.IndexOf(Start, StringComparison.Ordinal);
        int end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), "the table's start marker");
        Assert.That(end, Is.GreaterThan(start), "the table's end marker");
        string table = doc[(start + Start.Length)..end].Trim('\n') + "\n";
        string expected = SettingsTable.Markdown().ReplaceLineEndings("\n");
        if (table != expected)
        {
            TestContext.Out.WriteLine(expected);
        }
        Assert.That(table, Is.EqualTo(expected), "regenerate the table: the expected text is printed above");
    }
}
