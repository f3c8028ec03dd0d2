using System.Reflection;
using System.Text.RegularExpressions;
using Attribution.Native;
using Attribution.Tests.Support;

namespace Attribution.Tests.Bindings;

/// <summary>
/// The version is written once, in Directory.Build.props; the C header and the Python package state it for their own
/// tools and must say the same, as must what the builds made of it (the C library's attr_version, the host's version).
/// </summary>
public partial class ProductVersionTests
{
    [GeneratedRegex(@"<Version>([^<]+)</Version>")]
    private static partial Regex PropsVersion();

    [GeneratedRegex(@"#define ATTRIBUTION_VERSION ""([^""]+)""")]
    private static partial Regex HeaderVersion();

    [GeneratedRegex(@"#define ATTRIBUTION_VERSION_(MAJOR|MINOR|PATCH) (\d+)")]
    private static partial Regex HeaderPart();

    [GeneratedRegex(@"(?m)^version = ""([^""]+)""")]
    private static partial Regex PyprojectVersion();

    private static string Declared()
    {
        var matches = PropsVersion().Matches(RepoFiles.Read("Directory.Build.props"));
        Assert.That(matches, Has.Count.EqualTo(1), "Directory.Build.props declares the version once");
        return matches[0].Groups[1].Value;
    }

    [Test]
    public void The_header_and_the_python_package_state_the_declared_version()
    {
        string declared = Declared();
        string header = RepoFiles.Read("bindings/c/attribution.h");
        Assert.That(HeaderVersion().Match(header).Groups[1].Value, Is.EqualTo(declared), "ATTRIBUTION_VERSION in attribution.h");
        var parts = HeaderPart().Matches(header).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.That($"{parts["MAJOR"]}.{parts["MINOR"]}.{parts["PATCH"]}", Is.EqualTo(declared), "ATTRIBUTION_VERSION_MAJOR/MINOR/PATCH");
        Assert.That(PyprojectVersion().Match(RepoFiles.Read("bindings/python/pyproject.toml")).Groups[1].Value, Is.EqualTo(declared), "bindings/python/pyproject.toml");
    }

    [Test]
    public void The_builds_carry_the_declared_version()
    {
        string declared = Declared();
        Assert.That(LifecycleExports.VersionText, Is.EqualTo(declared), "attr_version() of the C library");
        string? host = typeof(Attribution.Host.Run.RunCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.That(host?.Split('+')[0], Is.EqualTo(declared), "the host's version");
        string? engine = typeof(Attribution.Engine.Pipeline.AttributionEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.That(engine?.Split('+')[0], Is.EqualTo(declared), "the engine's version");
    }
}
