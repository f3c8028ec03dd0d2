using System.Reflection;

namespace Attribution.Host.Observability;

/// <summary>The binary's version and the commit it was built from (the SDK appends <c>+commit</c> to the informational version).</summary>
public static class BuildInfo
{
    private static readonly string Informational =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The product version, e.g. <c>0.1.0</c>.</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The source commit, or <c>unknown</c> when built outside a git checkout.</summary>
    public static string Commit => Informational.IndexOf('+', StringComparison.Ordinal) is var i and >= 0 ? Informational[(i + 1)..] : "unknown";
}
