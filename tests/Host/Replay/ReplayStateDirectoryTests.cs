using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Attribution.Engine.Snapshots;
using Attribution.Host.Replay;
using Attribution.Tests.Reliability;
using Attribution.Tests.Engine.Snapshots;

namespace Attribution.Tests.Host.Replay;

/// <summary>
/// `replay --state-dir` guards what it resumes: one process per state directory (an OS lock a SIGKILL
/// releases), resume only on the input the snapshot covers (file or standard input), snapshot failures
/// reported as they happen, and output bytes durable before a manifest records them.
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class ReplayStateDirectoryTests
{
    private string _dir = null!;
    private string[] _lines = null!;
    private string _input = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "attribution-replay-state-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _lines = File.ReadAllLines(Path.Combine(ReplayCommandTests.RepoRoot, "samples", "events.jsonl"));
        _input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(_input, _lines);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void A_second_replay_on_a_held_state_dir_exits_1_naming_the_holder_and_a_SIGKILLed_holder_does_not_block_the_next()
    {
        string state = Path.Combine(_dir, "state"), output = Path.Combine(_dir, "out.jsonl"), other = Path.Combine(_dir, "other.jsonl");
        string[] args = ["--input", "-", "--output", output, "--state-dir", state, "--snapshot-every", "100", "--snapshots-to-keep", "100", "--shards", "1", "--quiet"];
        using (var holder = new ReplayChild(args))
        {
            holder.Write(_lines.Take(1000));
            Assert.That(ReplayChild.WaitFor(() => Manifests(state) >= 10 && Settled(state), TimeSpan.FromSeconds(60)), Is.True, () => holder.StderrText);
            List<string> before = DirectoryTree.Describe(state);

            using var second = new ReplayChild("--input", _input, "--output", other, "--state-dir", state, "--shards", "1");
            second.CloseInput();
            int exit = second.WaitForExit(TimeSpan.FromSeconds(60));
            TestContext.Out.WriteLine(second.StderrText);
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(second.Stderr, Has.Count.EqualTo(1), "one sentence");
            Assert.That(second.Stderr[0], Does.Match(
                $@"^attribution replay: The state directory '{Regex.Escape(state)}' is in use by process {holder.Id} on host {Regex.Escape(Environment.MachineName)} \(.*attribution replay --input - .*\) since \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ; stop that process or use another directory\.$"));
            Assert.That(DirectoryTree.Describe(state), Is.EqualTo(before), "the refused replay changed nothing in the state directory");
            Assert.That(File.Exists(other), Is.False, "nor created its output");

            holder.Kill(); // SIGKILL: the LOCK file stays behind, the OS lock does not
        }
        Assert.That(File.Exists(Path.Combine(state, StateDirectoryLock.FileName)), Is.True);

        using var next = new ReplayChild(args);
        next.Write(_lines);
        next.CloseInput();
        Assert.That(next.WaitForExit(TimeSpan.FromSeconds(120)), Is.Zero, () => next.StderrText);
        Assert.That(next.StderrText, Does.Contain("resuming after input line"));
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(Uninterrupted()), "resumed from standard input, the output is exact");
    }

    [Test]
    public void Resume_from_standard_input_checks_the_piped_lines_and_refuses_others_without_touching_the_output()
    {
        string state = Path.Combine(_dir, "state"), output = Path.Combine(_dir, "out.jsonl");
        string[] args = ["--input", "-", "--output", output, "--state-dir", state, "--snapshot-every", "500", "--shards", "1", "--quiet"];
        using (var first = new ReplayChild(args))
        {
            first.Write(_lines.Take(2000));
            first.CloseInput();
            Assert.That(first.WaitForExit(TimeSpan.FromSeconds(120)), Is.Zero, () => first.StderrText);
        }
        byte[] outputBefore = File.ReadAllBytes(output);
        List<string> before = DirectoryTree.Describe(state);

        string[] changed = [.. _lines];
        changed[700] = changed[700].Replace("\"event_id\":\"", "\"event_id\":\"x", StringComparison.Ordinal);
        Assert.That(changed[700], Is.Not.EqualTo(_lines[700]));
        foreach (var (what, lines, expected) in new[]
        {
            ("one line changed", changed, "are not those the snapshot"),
            ("shorter", _lines.Take(1500).ToArray(), "has 1,500 lines but the snapshot"),
        })
        {
            using var refused = new ReplayChild(args);
            refused.Write(lines);
            refused.CloseInput();
            Assert.That(refused.WaitForExit(TimeSpan.FromSeconds(60)), Is.EqualTo(1), () => refused.StderrText);
            TestContext.Out.WriteLine($"{what}: {refused.Stderr[^1]}");
            Assert.That(refused.Stderr[^1], Does.StartWith("attribution replay: ").And.Contain(expected).And.Contain("standard input"));
            Assert.That(File.ReadAllBytes(output), Is.EqualTo(outputBefore), $"{what}: the output is untouched");
        }
        // Its snapshots are still there to resume from (opening the engine reopens the state tables, which may touch their files).
        Assert.That(Manifests(state), Is.EqualTo(before.Count(l => l.StartsWith("snapshots/snapshot-", StringComparison.Ordinal))));
        TestContext.Out.WriteLine(string.Join("\n", DirectoryTree.Describe(state).Except(before)));

        using var resumed = new ReplayChild(args);
        resumed.Write(_lines);
        resumed.CloseInput();
        Assert.That(resumed.WaitForExit(TimeSpan.FromSeconds(120)), Is.Zero, () => resumed.StderrText);
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(Uninterrupted()));
    }

    [Test]
    public void Resume_on_an_input_rewritten_at_the_same_path_is_refused_before_the_output_is_touched()
    {
        string state = Path.Combine(_dir, "state"), output = Path.Combine(_dir, "out.jsonl");
        string[] args = ["replay", "--input", _input, "--output", output, "--state-dir", state, "--snapshot-every", "500", "--shards", "1", "--quiet"];
        Assert.That(ReplayCommand.Run(args[1..], TextWriter.Null), Is.Zero);
        byte[] outputBefore = File.ReadAllBytes(output);

        // Same path, same size, same line count: two lines swapped.
        string[] changed = [.. _lines];
        (changed[2500], changed[2501]) = (changed[2501], changed[2500]);
        Assert.That(changed[2500], Is.Not.EqualTo(_lines[2500]));
        File.WriteAllLines(_input, changed);
        Assert.That(new FileInfo(_input).Length, Is.EqualTo(_lines.Sum(l => System.Text.Encoding.UTF8.GetByteCount(l) + 1)));
        var stderr = new StringWriter();
        int exit = ReplayCommand.Run(args[1..], stderr);
        TestContext.Out.WriteLine(stderr.ToString());
        Assert.That(exit, Is.EqualTo(1));
        string last = stderr.ToString().TrimEnd().Split('\n')[^1];
        Assert.That(last, Does.StartWith($"attribution replay: The first 3,111 lines of the input ('{_input}') are not those the snapshot in '{state}' was taken after"));
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(outputBefore), "the output is untouched");

        File.WriteAllLines(_input, _lines); // the right input again: resumes (nothing left to do) and keeps the output
        Assert.That(ReplayCommand.Run(args[1..], TextWriter.Null), Is.Zero);
        Assert.That(File.ReadAllBytes(output), Is.EqualTo(outputBefore));
    }

    [Test]
    public void A_snapshot_failure_is_reported_when_it_happens_stops_the_run_and_claims_no_kept_snapshot()
    {
        using var fs = ScratchFileSystem.Mount(5L << 20);
        string state = Path.Combine(fs.Path, "state"), output = Path.Combine(_dir, "out.jsonl");
        using var child = new ReplayChild("--input", "-", "--output", output, "--state-dir", state, "--snapshot-every", "200", "--shards", "1", "--quiet");
        child.Write(_lines.Take(1000));
        // Reported while the replay still has input to read, not at the end.
        Assert.That(ReplayChild.WaitFor(() => child.Stderr.Any(l => l.Contains("Snapshot 1 failed", StringComparison.Ordinal)), TimeSpan.FromSeconds(60)), Is.True, () => child.StderrText);
        // A snapshot that cannot be written stops the run (it resumes from its last good snapshot once there is room).
        int exit = child.WaitForExit(TimeSpan.FromSeconds(60));
        TestContext.Out.WriteLine(child.StderrText);

        var failed = child.Stderr.Where(l => Regex.IsMatch(l, @"^attribution replay: Snapshot \d+ failed and was discarded")).ToList();
        Assert.That(failed, Is.Not.Empty, "each failed snapshot has its line");
        Assert.That(failed, Has.All.Contain("; no earlier snapshot exists, so a restart would start from empty state: "));
        // The cause in the words of the write that hit it: FASTER's device says "no space left on device", a .NET file
        // write "No space left on device : '<path>'"; which write fills the disk first depends on timing.
        Assert.That(failed, Has.All.Contain("no space left on device").IgnoreCase);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(child.Stderr[^1], Does.StartWith($"attribution replay: The state directory '{state}' could not take a snapshot: Snapshot 1 failed"));
        Assert.That(child.Stderr[^1], Does.Contain("the run stopped"));
        Assert.That(child.StderrText, Does.Not.Contain("is kept"));
    }

    [Test]
    public void Output_and_dead_letters_are_synced_before_each_manifest_records_their_lengths()
    {
        string state = Path.Combine(_dir, "state"), output = Path.Combine(_dir, "out.jsonl"), deadLetters = Path.Combine(_dir, "dead.jsonl");
        string manifests = Path.Combine(state, SnapshotStore.FolderName);
        var syncs = new ConcurrentDictionary<long, (ReplaySync Sync, bool ManifestExisted)>();
        int exit = ReplayCommand.Run(
            ["--input", _input, "--output", output, "--dead-letter", deadLetters, "--state-dir", state, "--snapshot-every", "300", "--snapshots-to-keep", "100", "--shards", "1", "--quiet"],
            TextWriter.Null,
            s => syncs[s.Sequence] = (s, File.Exists(Path.Combine(manifests, SnapshotStore.FileName(s.Sequence)))));
        Assert.That(exit, Is.Zero);

        var entries = new SnapshotStore(state).List();
        Assert.That(entries, Has.Count.EqualTo(_lines.Length / 300 + 1));
        foreach (SnapshotEntry entry in entries)
        {
            SnapshotManifest manifest = SnapshotStore.Read(entry.Path);
            Assert.That(syncs.TryGetValue(entry.Sequence, out var seen), Is.True, $"snapshot {entry.Sequence}: its files were synced before its manifest");
            Assert.That(seen.ManifestExisted, Is.False, $"snapshot {entry.Sequence}: synced before its manifest was written");
            Assert.That(seen.Sync.OutputRecorded, Is.EqualTo(long.Parse(manifest.Extras["replay.output_bytes"], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(seen.Sync.DeadLettersRecorded, Is.EqualTo(long.Parse(manifest.Extras["replay.dead_letter_bytes"], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(seen.Sync.OutputRecorded, Is.LessThanOrEqualTo(seen.Sync.OutputSynced));
            Assert.That(seen.Sync.DeadLettersRecorded, Is.LessThanOrEqualTo(seen.Sync.DeadLettersSynced));
        }
        Assert.That(syncs.Values.Max(s => s.Sync.DeadLettersRecorded), Is.GreaterThan(0), "the sample has rejected lines");
    }

    private byte[] Uninterrupted()
    {
        string reference = Path.Combine(_dir, "reference.jsonl");
        Assert.That(ReplayCommand.Run(["--input", _input, "--output", reference, "--shards", "1", "--quiet"], TextWriter.Null), Is.Zero);
        return File.ReadAllBytes(reference);
    }

    private static int Manifests(string state)
        => Directory.Exists(Path.Combine(state, SnapshotStore.FolderName)) ? Directory.GetFiles(Path.Combine(state, SnapshotStore.FolderName), "snapshot-*.json").Length : 0;

    // No snapshot in flight: the tree reads the same twice, half a second apart.
    private static bool Settled(string state)
    {
        List<string> a = DirectoryTree.Describe(state);
        Thread.Sleep(500);
        return a.SequenceEqual(DirectoryTree.Describe(state));
    }
}
