using System.Text.Json;
using Attribution.Host;
using Attribution.Host.Cli;
using Attribution.Host.Replay;
using Attribution.Tests.Host.Replay;

namespace Attribution.Tests.Host.Snapshots;

/// <summary>
/// <c>attribution snapshot list|inspect</c> on a state directory written by a real <c>replay</c>: what they report
/// is checked against the manifests' JSON read directly, and against bytes flipped on disk.
/// </summary>
[NonParallelizable]
public class SnapshotCommandTests
{
    private string _dir = null!;
    private string _state = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "attribution-snapshot-cli-" + Guid.NewGuid().ToString("N"));
        _state = Path.Combine(_dir, "state");
        Directory.CreateDirectory(_dir);
        string input = Path.Combine(ReplayCommandTests.RepoRoot, "samples", "events.jsonl");
        var stderr = new StringWriter();
        int exit = ReplayCommand.Run(["--input", input, "--output", Path.Combine(_dir, "out.jsonl"), "--state-dir", _state,
            "--snapshot-every", "1000", "--snapshots-to-keep", "10", "--shards", "2", "--quiet"], stderr);
        Assert.That(exit, Is.Zero, stderr.ToString);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void List_shows_every_snapshot_newest_first_and_a_flipped_byte_as_failed_verification()
    {
        var manifests = Manifests();
        Assert.That(manifests, Has.Count.GreaterThanOrEqualTo(3), "the replay wrote several snapshots");

        var (exit, output, error) = Cli("snapshot", "list", "--state-dir", _state);
        Assert.That(exit, Is.Zero, error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.That(rows.Select(r => long.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])), Is.EqualTo(manifests.Select(m => m.Sequence)), output);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.That(rows[i], Does.Contain($"replay after line {manifests[i].Lines}").And.EndWith("yes"), output);
        }

        // One bit of one checkpoint file of the newest snapshot flipped: only that snapshot fails, naming the file.
        string damaged = FlipByte(manifests[0]);
        (exit, output, error) = Cli("snapshot", "list", "--state-dir", _state);
        TestContext.Out.WriteLine(output);
        Assert.That(exit, Is.Zero, error);
        rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.That(rows[0], Does.EndWith($"no: its file '{damaged}' does not match its checksum (corrupted)"));
        Assert.That(rows.Skip(1), Has.All.EndWith("yes"));

        (exit, output, error) = Cli("snapshot", "list", "--state-dir", _state, "--json");
        var objects = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(objects.Select(o => o.GetProperty("verified").GetBoolean()), Is.EqualTo(manifests.Select((_, i) => i != 0)));
    }

    [Test]
    public void Inspect_reports_positions_settings_parts_and_each_files_checksum_status()
    {
        var newest = Manifests()[0];
        var (exit, output, error) = Cli("snapshot", "inspect", "--state-dir", _state, "latest", "--json");
        Assert.That(exit, Is.Zero, error);
        var report = JsonDocument.Parse(output).RootElement;
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(newest.Path));
        var m = manifest.RootElement;
        Assert.That(report.GetProperty("sequence").GetInt64(), Is.EqualTo(newest.Sequence));
        Assert.That(report.GetProperty("positions").EnumerateArray().Select(p => (p.GetProperty("partition").GetInt32(), p.GetProperty("position").GetInt64())),
            Is.EquivalentTo(m.GetProperty("partitions").EnumerateArray().Select(p => (p.GetProperty("partition").GetInt32(), p.GetProperty("position").GetInt64()))));
        var settings = report.GetProperty("settings");
        Assert.That(settings.GetProperty("window_ms").GetInt64(), Is.EqualTo(m.GetProperty("config").GetProperty("window_ms").GetInt64()));
        Assert.That(settings.GetProperty("shards").GetInt32(), Is.EqualTo(2));
        Assert.That(settings.GetProperty("partitions").GetInt32(), Is.EqualTo(m.GetProperty("config").GetProperty("partitions").GetInt32()));
        var files = report.GetProperty("files").EnumerateArray().ToList();
        Assert.That(files.Select(f => f.GetProperty("path").GetString()), Is.EqualTo(m.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString())));
        Assert.That(files, Has.All.Matches<JsonElement>(f => f.GetProperty("verified").GetBoolean()));
        // Size on disk: the manifest plus each listed part, measured on disk.
        long measured = new FileInfo(newest.Path).Length + m.GetProperty("files").EnumerateArray().Sum(f => f.GetProperty("length").GetInt64());
        Assert.That(report.GetProperty("bytes").GetInt64(), Is.EqualTo(measured));
        Assert.That(report.GetProperty("recovery").GetString(), Does.Contain($"continues after line {newest.Lines}"));

        string damaged = FlipByte(newest);
        (exit, output, error) = Cli("snapshot", "inspect", "--state-dir", _state);
        TestContext.Out.WriteLine(output);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(error.Trim(), Is.EqualTo($"attribution snapshot inspect: Snapshot {newest.Sequence} does not verify: its file '{damaged}' does not match its checksum (corrupted)."));
        var fileLines = output.Split('\n').SkipWhile(l => l != "files").Skip(1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.That(fileLines.Where(l => l.TrimStart().StartsWith("FAILED", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1).And.All.Contain(damaged));
        Assert.That(output, Does.Contain($"A start skips this snapshot"));
        // The next older one verifies, and a start would recover it.
        (exit, output, error) = Cli("snapshot", "inspect", "--state-dir", _state, Manifests()[1].Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Does.Contain("A start recovers this snapshot"));
    }

    [Test]
    public void Inspect_errors_are_one_sentence_with_a_non_zero_exit()
    {
        var newest = Manifests()[0];
        AssertOneSentence(Cli("snapshot", "inspect", "--state-dir", _state, "abc"), 2, "'abc' is not a snapshot sequence");
        AssertOneSentence(Cli("snapshot", "inspect", "--state-dir", _state, "999"), 1, "has no snapshot 999");
        AssertOneSentence(Cli("snapshot", "inspect", "--state-dir", Path.Combine(_dir, "nowhere")), 1, "does not exist");
        AssertOneSentence(Cli("snapshot", "inspect"), 2, "The flag --state-dir is required");
        AssertOneSentence(Cli("snapshot", "list", "--state-dir", Path.Combine(_dir, "nowhere")), 1, "does not exist");
        File.WriteAllBytes(newest.Path, File.ReadAllBytes(newest.Path)[..100]); // a torn manifest
        AssertOneSentence(Cli("snapshot", "inspect", "--state-dir", _state, "latest"), 1, "does not verify: it is not valid manifest JSON");
    }

    private static void AssertOneSentence((int Exit, string Output, string Error) r, int exit, string words)
    {
        Assert.That(r.Exit, Is.EqualTo(exit), r.Error);
        string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Error);
        Assert.That(lines[0], Does.StartWith("attribution snapshot ").And.Contain(words).And.Not.Contain(" at "));
    }

    private (int Exit, string Output, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApp.Run(args, new CliContext(new Dictionary<string, string>(), output, error, CancellationToken.None));
        return (exit, output.ToString(), error.ToString());
    }

    private sealed record Manifest(long Sequence, string Path, long Lines);

    // Read directly from the files, newest first: the reference the commands are checked against.
    private List<Manifest> Manifests() =>
        Directory.GetFiles(Path.Combine(_state, "snapshots"), "snapshot-*.json")
            .Select(p =>
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(p));
                return new Manifest(doc.RootElement.GetProperty("sequence").GetInt64(), p,
                    long.Parse(doc.RootElement.GetProperty("extras").GetProperty("replay.lines").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            })
            .OrderByDescending(m => m.Sequence).ToList();

    // Flips one bit in the middle of the first whole (non-prefix) file the manifest lists; returns its listed path.
    private string FlipByte(Manifest manifest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest.Path));
        string relative = doc.RootElement.GetProperty("files").EnumerateArray().First(f => !f.GetProperty("prefix").GetBoolean()).GetProperty("path").GetString()!;
        string full = Path.Combine(_state, relative);
        byte[] bytes = File.ReadAllBytes(full);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(full, bytes);
        return relative;
    }
}
