using System.Diagnostics;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Host.Replay;

namespace Attribution.Tests.Reliability;

/// <summary>
/// <c>attribution replay --state-dir</c> whose output or dead-letter file is on a real tmpfs that fills up part way:
/// the run stops within seconds with one sentence naming the file and the lack of space (no stack trace, no hang),
/// and once the tmpfs is resized the same command resumes and its output is exact. The full state directory is in
/// <see cref="DiskFaultTests"/>.
/// </summary>
[NonParallelizable]
public class ReplayFullDiskTests
{
    private const int Events = 12_000;
    private const int SnapshotEvery = 1_500;
    private static readonly TimeSpan FailWithin = TimeSpan.FromSeconds(10);
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "attribution-reliability-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    public enum FullFile
    {
        Output,
        DeadLetter,
    }

    [TestCase(FullFile.Output)]
    [TestCase(FullFile.DeadLetter)]
    public void Full_disk_under_a_replay_file_stops_at_once_with_one_sentence_and_the_rerun_resumes_exactly(FullFile full)
    {
        int seed = TestSeed.Get();
        var clock = Stopwatch.StartNew();
        string state = Path.Combine(_dir, "state");
        using var fs = ScratchFileSystem.Mount(256L << 20);
        var s = new ReplayScenario(seed, Events, _dir, full == FullFile.Output ? fs.Path : _dir);
        s.AddBadLines(every: 4, bytes: 600);
        string deadLetters = Path.Combine(full == FullFile.DeadLetter ? fs.Path : _dir, "bad.jsonl");
        string[] args = [.. s.Args(state, SnapshotEvery), "--dead-letter", deadLetters];
        string target = full == FullFile.Output ? s.Output : deadLetters;

        // A complete run measures the file; then the tmpfs gets room for a third of it.
        var complete = ReplayCommandTests.RunCli("", args);
        Assert.That(complete.Exit, Is.Zero, complete.Stderr);
        long needed = new FileInfo(target).Length;
        string expectedDeadLetters = File.ReadAllText(deadLetters);
        File.Delete(target);
        Directory.Delete(state, recursive: true);
        fs.Resize(Math.Max(needed / 3, 8192));

        var run = Stopwatch.StartNew();
        var stopped = ReplayCommandTests.RunCli("", args);
        run.Stop();
        TestContext.Out.WriteLine($"{target} ({needed:N0} bytes when complete) on a tmpfs of a third: exit {stopped.Exit} in {run.Elapsed.TotalSeconds:F1} s: {stopped.Stderr}");

        fs.Resize(256L << 20);
        var resumed = ReplayCommandTests.RunCli("", args);
        TestContext.Out.WriteLine($"after resizing: exit {resumed.Exit}: {resumed.Stderr}");
        var (lost, duplicated, difference) = s.Compare();
        bool crashed = DiskFaultTests.Crashed(stopped.Exit, stopped.Stderr) || DiskFaultTests.Crashed(resumed.Exit, resumed.Stderr);
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", $"`replay --state-dir` with its {(full == FullFile.Output ? "output" : "dead-letter")} file on a tmpfs with room for a third of it, then resized", 2, clock.Elapsed,
            $"full: exit {stopped.Exit} after {run.Elapsed.TotalSeconds:F1} s \"{DiskFaultTests.LastLine(stopped.Stderr)}\"; after resizing: exit {resumed.Exit}, output {(difference is null ? "exact" : difference)}",
            lost, duplicated, crashed ? 1 : 0, run.Elapsed > FailWithin ? 1 : 0, ReliabilityReport.TestCommand(nameof(ReplayFullDiskTests), seed)));

        Assert.That(stopped.Exit, Is.EqualTo(1), stopped.Stderr);
        Assert.That(run.Elapsed, Is.LessThan(FailWithin), "the fault is reported when it happens");
        DiskFaultTests.AssertOneClearLine(stopped.Stderr);
        Assert.That(DiskFaultTests.LastLine(stopped.Stderr), Does.Contain(target).And.Contain("no space").IgnoreCase, "one sentence naming the file and the cause");
        Assert.That(resumed.Exit, Is.Zero, resumed.Stderr);
        Assert.That(difference, Is.Null);
        Assert.That(File.ReadAllText(deadLetters), Is.EqualTo(expectedDeadLetters), "every dead letter exactly once");
    }
}
