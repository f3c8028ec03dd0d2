using Attribution.Engine.Pipeline;

using PublicApiGenerator;

namespace Attribution.Tests.Engine.PublicApi;

/// <summary>
/// Pins the engine's public API to a committed text file, so an API change shows as a diff in review.
/// To accept a change: copy the written <c>.received.txt</c> over the <c>.approved.txt</c> next to this file and commit it.
/// </summary>
public class PublicApiTests
{
    private const string Approved = "tests/Engine/PublicApi/Attribution.Engine.approved.txt";
    private const string Received = "tests/Engine/PublicApi/Attribution.Engine.received.txt";

    [Test]
    public void Engine_public_api_matches_the_approved_file()
    {
        string actual = Normalise(typeof(AttributionEngine).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            ExcludeAttributes = ["System.Diagnostics.DebuggerDisplayAttribute"],
        }));
        string approvedPath = Path.Combine(RepoFiles.Root, Approved);
        string receivedPath = Path.Combine(RepoFiles.Root, Received);
        string approved = File.Exists(approvedPath) ? Normalise(File.ReadAllText(approvedPath)) : "";
        if (actual == approved)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        Assert.Fail($"The engine's public API changed ({Approved} vs the generated API):\n{Diff(approved, actual)}\n" +
                    $"If the change is intended, accept it: cp {Received} {Approved}");
    }

    private static string Normalise(string text) => text.ReplaceLineEndings("\n").TrimEnd() + "\n";

    // Lines only in the approved file ("-") and only in the generated API ("+"), in file order: enough to review a change.
    private static string Diff(string approved, string actual)
    {
        string[] before = approved.Split('\n');
        string[] after = actual.Split('\n');
        var kept = new HashSet<string>(before);
        var now = new HashSet<string>(after);
        IEnumerable<string> removed = before.Where(l => !now.Contains(l)).Select(l => "- " + l);
        IEnumerable<string> added = after.Where(l => !kept.Contains(l)).Select(l => "+ " + l);
        return string.Join("\n", removed.Concat(added).Take(200));
    }
}
