using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Host.Replay;

namespace Attribution.Tests.Reliability;

/// <summary>
/// <c>attribution replay --state-dir</c> (real FASTER files, a real tmpfs) when its state directory is read-only, when
/// the disk fills up, and when a snapshot is corrupted on disk after the run: a clear one-line error or an exact
/// result, never a crash, never a hang, never a wrong output file — and once the disk is fixed, an exact resume.
/// Engine-level disk faults are in tests/Engine/Snapshots (SnapshotFailureTests, SnapshotFallbackTests) and not repeated here.
/// </summary>
[NonParallelizable]
public class DiskFaultTests
{
    private const int Events = 12_000;
    private const int SnapshotEvery = 1_500;
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(120);
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "attribution-reliability-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Read_only_state_directory_gives_one_clear_error_and_leaves_a_finished_output_exact()
    {
        int seed = TestSeed.Get();
        var clock = Stopwatch.StartNew();
        var s = new ReplayScenario(seed, Events, _dir);
        using var fs = ScratchFileSystem.Mount(256L << 20);
        string fresh = Path.Combine(fs.Path, "fresh"), finished = Path.Combine(fs.Path, "finished");
        Directory.CreateDirectory(fresh);
        var first = ReplayCommandTests.RunCli("", s.Args(finished, SnapshotEvery));
        Assert.That(first.Exit, Is.Zero, first.Stderr);
        fs.MakeReadOnly();

        var onFresh = Run(s.Args(fresh, SnapshotEvery));
        var onFinished = Run(s.Args(finished, SnapshotEvery));
        var (lost, duplicated, difference) = s.Compare();
        TestContext.Out.WriteLine($"fresh read-only state dir: exit {onFresh.Exit}: {onFresh.Stderr}");
        TestContext.Out.WriteLine($"read-only state dir of a finished run: exit {onFinished.Exit}: {onFinished.Stderr}");
        int crashed = Crashes(onFresh) + Crashes(onFinished);
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", "`replay --state-dir` on a read-only tmpfs (empty; holding a finished run)", 2, clock.Elapsed,
            $"empty: exit {onFresh.Exit} \"{FirstLine(onFresh.Stderr)}\"; finished run: exit {onFinished.Exit} \"{FirstLine(onFinished.Stderr)}\"; output afterwards {(difference is null ? "exact" : difference)}",
            lost, duplicated, crashed, Hangs(onFresh) + Hangs(onFinished), ReliabilityReport.TestCommand(nameof(DiskFaultTests), seed)));
        Assert.That(onFresh.Exit, Is.EqualTo(1), "a clear failure, not a crash");
        AssertOneClearLine(onFresh.Stderr);
        Assert.That(onFinished.Exit, Is.EqualTo(0).Or.EqualTo(1));
        if (onFinished.Exit == 1)
        {
            AssertOneClearLine(onFinished.Stderr);
        }
        Assert.That(difference, Is.Null, "the output of the finished run is still exact");
    }

    [Test]
    public void Full_state_disk_fails_clearly_and_the_same_command_completes_exactly_once_space_is_freed()
    {
        int seed = TestSeed.Get();
        var clock = Stopwatch.StartNew();
        var s = new ReplayScenario(seed, Events, _dir);
        long needed;
        using (var roomy = ScratchFileSystem.Mount(256L << 20))
        {
            var run = ReplayCommandTests.RunCli("", s.Args(Path.Combine(roomy.Path, "state"), SnapshotEvery));
            Assert.That(run.Exit, Is.Zero, run.Stderr);
            needed = roomy.UsedBytes;
        }
        TestContext.Out.WriteLine($"a complete run leaves {needed / 1024} KiB in its state directory");

        // Room for about a third of it: the run fills the disk part way through.
        using var fs = ScratchFileSystem.Mount(Math.Max(needed / 3, 64 * 1024));
        string state = Path.Combine(fs.Path, "state");
        var fullRun = Stopwatch.StartNew();
        var full = Run(s.Args(state, SnapshotEvery));
        fullRun.Stop();
        TestContext.Out.WriteLine($"on a full disk: exit {full.Exit}: {full.Stderr}");
        var onFullDisk = s.Compare();

        fs.Resize(256L << 20);
        var resumed = Run(s.Args(state, SnapshotEvery));
        TestContext.Out.WriteLine($"after resizing: exit {resumed.Exit}: {resumed.Stderr}");
        var (lost, duplicated, difference) = s.Compare();
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", "`replay --state-dir` on a tmpfs with room for a third of its state, then resized", 2, clock.Elapsed,
            $"full: exit {full.Exit} \"{FirstLine(full.Stderr)}\"{(full.Exit == 0 ? (onFullDisk.FirstDifference is null ? ", output exact" : ", output WRONG: " + onFullDisk.FirstDifference) : "")}; after resizing: exit {resumed.Exit}, output {(difference is null ? "exact" : difference)}",
            lost, duplicated, Crashes(full) + Crashes(resumed), Hangs(full) + Hangs(resumed), ReliabilityReport.TestCommand(nameof(DiskFaultTests), seed)));
        // The first snapshot that cannot be written stops the run, with the file and the cause in words.
        Assert.That(full.Exit, Is.EqualTo(1), full.Stderr);
        Assert.That(fullRun.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the fault is reported when it happens");
        AssertOneClearLine(full.Stderr);
        Assert.That(LastLine(full.Stderr), Does.Contain(state).And.Contain("no space").IgnoreCase);
        Assert.That(resumed.Exit, Is.Zero, resumed.Stderr);
        Assert.That(difference, Is.Null);
    }

    public enum Corruption
    {
        NewestCheckpointBitFlipped,
        NewestManifestTruncated,
        EverySnapshotBitFlipped,
    }

    [TestCase(Corruption.NewestCheckpointBitFlipped)]
    [TestCase(Corruption.NewestManifestTruncated)]
    [TestCase(Corruption.EverySnapshotBitFlipped)]
    public void Snapshot_corrupted_on_disk_is_skipped_and_the_rerun_output_is_exact(Corruption corruption)
    {
        int seed = TestSeed.Get();
        var clock = Stopwatch.StartNew();
        var s = new ReplayScenario(seed, Events, _dir);
        string state = Path.Combine(_dir, "state");
        var first = ReplayCommandTests.RunCli("", s.Args(state, SnapshotEvery));
        Assert.That(first.Exit, Is.Zero, first.Stderr);
        var manifests = new SnapshotStore(state).List();
        Assert.That(manifests, Has.Count.GreaterThanOrEqualTo(2), "snapshots to fall back on");
        // What the rerun must say: each corrupted snapshot refused with its own reason, then where it resumes.
        var corrupted = corruption == Corruption.EverySnapshotBitFlipped ? manifests : manifests.Take(1).ToList();
        string reason = corruption == Corruption.NewestManifestTruncated ? "it is not valid manifest JSON" : "its file '";
        string reasonEnd = corruption == Corruption.NewestManifestTruncated ? "; trying an older one." : "' does not match its checksum (corrupted); trying an older one.";
        var fallback = corruption == Corruption.EverySnapshotBitFlipped ? null : SnapshotStore.Read(manifests[1].Path);
        long resumeLine = fallback is null ? 0 : long.Parse(fallback.Extras["replay.lines"], CultureInfo.InvariantCulture);

        foreach (var entry in corrupted)
        {
            var manifest = SnapshotStore.Read(entry.Path);
            if (corruption == Corruption.NewestManifestTruncated)
            {
                byte[] bytes = File.ReadAllBytes(entry.Path);
                File.WriteAllBytes(entry.Path, bytes[..(bytes.Length / 2)]);
                continue;
            }
            // The largest file the snapshot lists: one bit in its middle.
            var victim = manifest.Files.OrderByDescending(f => f.Length).First();
            string path = Path.Combine(state, victim.Path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            long at = Math.Min(victim.Length, stream.Length) / 2;
            stream.Position = at;
            int b = stream.ReadByte();
            stream.Position = at;
            stream.WriteByte((byte)(b ^ 0x10));
        }

        var rerun = Run(s.Args(state, SnapshotEvery));
        TestContext.Out.WriteLine($"rerun: exit {rerun.Exit}: {rerun.Stderr}");
        var (lost, duplicated, difference) = s.Compare();
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", $"`replay --state-dir` rerun after corruption on disk: {corruption}", 1, clock.Elapsed,
            $"{manifests.Count} snapshots; rerun exit {rerun.Exit}: \"{FirstLine(rerun.Stderr)}\"; output {(difference is null ? "exact" : difference)}",
            lost, duplicated, Crashes(rerun), Hangs(rerun), ReliabilityReport.TestCommand(nameof(DiskFaultTests), seed)));
        Assert.That(rerun.Exit, Is.Zero, rerun.Stderr);
        var stderrLines = rerun.Stderr.Split('\n');
        foreach (var m in corrupted)
        {
            string refused = $"attribution replay: Snapshot {m.Sequence} ('{m.Path}') is not usable: {reason}";
            Assert.That(stderrLines.Count(l => l.StartsWith(refused, StringComparison.Ordinal) && l.TrimEnd().EndsWith(reasonEnd, StringComparison.Ordinal)), Is.EqualTo(1),
                $"snapshot {m.Sequence} is refused once, with its reason (\"{refused}…{reasonEnd}\"):\n{rerun.Stderr}");
        }
        if (fallback is null)
        {
            Assert.That(rerun.Stderr, Does.Contain($"None of the {manifests.Count} snapshots in '{state}' is usable; starting with empty state."));
            Assert.That(rerun.Stderr, Does.Not.Contain("resuming after"), "nothing to resume from");
        }
        else
        {
            Assert.That(resumeLine % SnapshotEvery, Is.Zero, "a snapshot is taken every SnapshotEvery lines");
            Assert.That(rerun.Stderr, Does.Contain($"Recovered snapshot {fallback.Sequence} of "));
            Assert.That(rerun.Stderr, Does.Contain($"resuming after input line {resumeLine.ToString("N0", CultureInfo.InvariantCulture)} (snapshot {fallback.Sequence});"),
                "the rerun resumes exactly where the newest good snapshot ends");
        }
        Assert.That(difference, Is.Null);
    }

    /// <summary>A run under a fault, bounded: one that does not finish in time is killed and counted as hung, not failed on the spot.</summary>
    private static (int Exit, string Stdout, string Stderr, bool Hung) Run(string[] args) => ReplayCommandTests.RunCliWithin(RunLimit, "", args);

    private static int Hangs((int Exit, string Stdout, string Stderr, bool Hung) run) => run.Hung ? 1 : 0;

    private static int Crashes((int Exit, string Stdout, string Stderr, bool Hung) run) => !run.Hung && Crashed(run.Exit, run.Stderr) ? 1 : 0;

    /// <summary>An unhandled exception (its stack trace, or the runtime's abort exit code) rather than an error message.</summary>
    internal static bool Crashed(int exit, string stderr) => exit is not (0 or 1 or 2) || stderr.Contains("Unhandled exception", StringComparison.Ordinal) || stderr.Contains("   at ", StringComparison.Ordinal);

    internal static void AssertOneClearLine(string stderr)
    {
        Assert.That(Crashed(1, stderr), Is.False, $"a stack trace instead of a message:\n{stderr}");
        Assert.That(stderr.Trim().Split('\n').Last(), Does.StartWith("attribution replay: "), stderr);
    }

    private static string FirstLine(string text) => LastLine(text);

    internal static string LastLine(string text) => text.Trim().Split('\n').LastOrDefault(l => l.Length > 0)?.Trim() ?? "";
}
