using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Native;

namespace Attribution.Tests.Bindings;

/// <summary>
/// The C ABI is pinned by committed files: the exports the C# code declares, the functions and
/// constants of attribution.h and bindings/abi/exports.txt must agree, and the struct mirrors keep
/// the layout the header (and test_attribution.c's static asserts) describe. bindings/c/run-tests.sh
/// adds the check of the published library's real symbol table.
/// </summary>
public partial class AbiSnapshotTests
{
    [GeneratedRegex(@"^\s*(?:const\s+char\*|int)\s+(attr_[a-z_]+)\(", RegexOptions.Multiline)]
    private static partial Regex HeaderFunction();

    [GeneratedRegex(@"^#define\s+(ATTR_[A-Z0-9_]+)\s+\(?(-?\d+)\)?", RegexOptions.Multiline)]
    private static partial Regex HeaderConstant();

    private static string[] ExportedByCode() => typeof(AttrStatus).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        .Select(m => m.GetCustomAttribute<UnmanagedCallersOnlyAttribute>()?.EntryPoint)
        .OfType<string>()
        .Order(StringComparer.Ordinal)
        .ToArray();

    private static Dictionary<string, long> HeaderConstants() => HeaderConstant().Matches(RepoFiles.Read("bindings/c/attribution.h"))
        .ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));

    [Test]
    public void Exports_in_code_match_the_committed_export_list()
    {
        string[] committed = RepoFiles.Read("bindings/abi/exports.txt")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Split('@')[0])
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.That(ExportedByCode(), Is.EqualTo(committed),
            "An [UnmanagedCallersOnly] entry point was added, removed or renamed: that is an ABI change; update bindings/abi/exports.txt and the header on purpose.");
    }

    [Test]
    public void Header_declares_exactly_the_exported_functions()
    {
        string[] declared = HeaderFunction().Matches(RepoFiles.Read("bindings/c/attribution.h"))
            .Select(m => m.Groups[1].Value)
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.That(declared, Is.EqualTo(ExportedByCode()));
    }

    [Test]
    public void Header_status_codes_equal_the_library_status_codes()
    {
        Dictionary<string, long> constants = HeaderConstants();
        foreach (AttrStatus status in Enum.GetValues<AttrStatus>())
        {
            string name = "ATTR_" + Snake(status.ToString()).ToUpperInvariant();
            Assert.That(constants.TryGetValue(name, out long value), Is.True, $"{name} is missing from attribution.h");
            Assert.That(value, Is.EqualTo((long)status), name);
        }
        // And no status code in the header that the library lacks.
        string[] inHeader = constants.Where(kv => kv.Value < 0).Select(kv => kv.Key).Append("ATTR_OK").Order(StringComparer.Ordinal).ToArray();
        string[] inLibrary = Enum.GetNames<AttrStatus>().Select(n => "ATTR_" + Snake(n).ToUpperInvariant()).Order(StringComparer.Ordinal).ToArray();
        Assert.That(inHeader, Is.EqualTo(inLibrary));
    }

    [Test]
    public void Header_reject_reasons_and_outcomes_equal_the_engine_values()
    {
        Dictionary<string, long> constants = HeaderConstants();
        for (int i = 0; i < RejectReasons.Count; i++)
        {
            string name = "ATTR_REJECT_" + RejectReasons.Name((RejectReason)i).ToUpperInvariant();
            Assert.That(constants.GetValueOrDefault(name, -1), Is.EqualTo(i), name);
        }
        Assert.That(constants.Keys.Count(k => k.StartsWith("ATTR_REJECT_", StringComparison.Ordinal)), Is.EqualTo(RejectReasons.Count));
        for (int i = 0; i < AttributionOutcomes.Count; i++)
        {
            string name = "ATTR_OUTCOME_" + AttributionOutcomes.Name((AttributionOutcome)i).ToUpperInvariant();
            Assert.That(constants.GetValueOrDefault(name, -1), Is.EqualTo(i), name);
        }
        Assert.That(RejectReasons.Count, Is.LessThanOrEqualTo(CountersV1.ArrayLength));
        Assert.That(AttributionOutcomes.Count, Is.LessThanOrEqualTo(CountersV1.ArrayLength));
        Assert.That(constants["ATTR_COUNTERS_ARRAY"], Is.EqualTo(CountersV1.ArrayLength));
        Assert.That(constants["ATTR_COUNTERS_VERSION"], Is.EqualTo(CountersV1.CurrentVersion));
    }

    [Test]
    public unsafe void Struct_mirrors_keep_the_header_layout()
    {
        // The same numbers are static asserts in bindings/c/test_attribution.c.
        Assert.That(sizeof(BatchResult), Is.EqualTo(48));
        Assert.That(Marshal.OffsetOf<BatchResult>(nameof(BatchResult.Consumed)), Is.EqualTo((nint)24));
        Assert.That(Marshal.OffsetOf<BatchResult>(nameof(BatchResult.FirstRejected)), Is.EqualTo((nint)32));
        Assert.That(Marshal.OffsetOf<BatchResult>(nameof(BatchResult.FirstRejectReason)), Is.EqualTo((nint)40));
        Assert.That(sizeof(CountersV1), Is.EqualTo(328));
        var c = default(CountersV1);
        byte* at = (byte*)&c;
        Assert.That((byte*)&c.Events - at, Is.EqualTo(8));
        Assert.That((byte*)&c.OutputPendingBytes - at, Is.EqualTo(64));
        Assert.That((byte*)c.Outcomes - at, Is.EqualTo(72));
        Assert.That((byte*)c.Rejections - at, Is.EqualTo(200));
    }

    private static string Snake(string pascal) => Regex.Replace(pascal, "(?<=[a-z])([A-Z])", "_$1");
}
