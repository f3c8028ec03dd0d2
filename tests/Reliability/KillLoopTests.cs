using System.Diagnostics;
using System.Globalization;
using Attribution.Tests.Engine.Attribution;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Host.Replay;

namespace Attribution.Tests.Reliability;

/// <summary>
/// The kill loop: <c>attribution replay --state-dir</c> (the real apphost) is SIGKILLed at random moments, many times in
/// a row on one state directory — during start-up, recovery, the clean-up after recovery, and processing with frequent
/// snapshots — with memory budgets small enough that sweeps compact the FASTER logs. Then one run goes uninterrupted; its
/// output must equal an uninterrupted run's and the reference model's, and no start may refuse the directory. Cycles
/// repeat on fresh directories until the time is up.
/// </summary>
/// <remarks>
/// CI runs 45 s; <c>scripts/kill-loop.sh --minutes N</c> sets <see cref="SecondsVariable"/> for long runs. A kill's
/// phase is judged from the last line of standard error read when it was sent: before any engine line "start-up";
/// after "Recovering snapshot" "recovery"; after "Recovered snapshot" or "starting with empty state" "clean-up" (at a
/// fresh start the empty tables replace the old ones then); after replay's "resuming"/"starting at" line "processing"
/// (which includes periodic snapshots and their clean-up).
/// </remarks>
[NonParallelizable]
public class KillLoopTests
{
    /// <summary>Seconds of killing (default 45).</summary>
    public const string SecondsVariable = "ATTRIBUTION_KILL_LOOP_SECONDS";

    private static readonly string[] Phases = ["start-up", "recovery", "clean-up", "processing"];
    private static readonly TimeSpan FinalRunLimit = TimeSpan.FromSeconds(180);

    [Test]
    public void Replay_killed_at_any_moment_on_one_state_directory_finishes_with_the_uninterrupted_output()
    {
        double seconds = Environment.GetEnvironmentVariable(SecondsVariable) is { Length: > 0 } configured
            ? double.Parse(configured, CultureInfo.InvariantCulture) : 45;
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        var clock = Stopwatch.StartNew();
        string dir = Path.Combine(Path.GetTempPath(), "attribution-kill-loop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var kills = Phases.ToDictionary(p => p, _ => 0);
        int cycles = 0, rounds = 0, refused = 0, unusable = 0, compactedCycles = 0, lost = 0, duplicated = 0, differentFromUninterrupted = 0;
        var notes = new List<string>();
        string compaction = "";
        try
        {
            var scenario = new ReplayScenario(LargeStateStream.Generate(seed, 40_000), dir);
            string[] Args(string state, string? output = null) =>
                [.. scenario.Args(state, snapshotEvery: 1_500, output), "--memory-mb", "1", "--expire-every", "1000"];

            // The uninterrupted run, what every cycle must end with, runs beside the loop (its time is not the loop's).
            string uninterruptedOutput = Path.Combine(dir, "uninterrupted.jsonl");
            string uninterruptedState = Path.Combine(dir, "state-uninterrupted");
            using var uninterruptedRun = ReplayChild.Start(Args(uninterruptedState, uninterruptedOutput));
            var budget = TimeSpan.FromSeconds(seconds);
            while (clock.Elapsed < budget || cycles == 0)
            {
                cycles++;
                string state = Path.Combine(dir, $"state-{cycles}");
                File.Delete(scenario.Output);
                int killsThisCycle = rng.Next(6, 16);
                bool finished = false;
                for (int k = 0; k < killsThisCycle && !finished && (k == 0 || clock.Elapsed < budget); k++)
                {
                    rounds++;
                    using var child = ReplayChild.Start(Args(state));
                    string? phase = KillSomewhere(child, rng);
                    unusable += Unusable(child, cycles, notes);
                    if (phase is not null)
                    {
                        kills[phase]++;
                        continue;
                    }
                    // It exited by itself before the kill: it finished, or it refused to start.
                    finished = Ended(child, seed, cycles, ref refused, notes);
                }
                if (!finished)
                {
                    rounds++;
                    using var final = ReplayChild.Start(Args(state));
                    if (!final.TryWaitForExit(FinalRunLimit))
                    {
                        Assert.Fail($"seed {seed}, cycle {cycles}: the final run did not finish within {FinalRunLimit.TotalSeconds:F0} s");
                    }
                    finished = Ended(final, seed, cycles, ref refused, notes);
                    unusable += Unusable(final, cycles, notes);
                }
                var (l, d, difference) = scenario.Compare();
                lost += l;
                duplicated += d;
                if (difference is not null)
                {
                    notes.Add($"cycle {cycles}: {l} lost, {d} duplicated; {difference}");
                }
                compactedCycles += Compaction(state).Compacted > 0 ? 1 : 0;
                File.Move(scenario.Output, Path.Combine(dir, $"out-{cycles}.jsonl"));
                Directory.Delete(state, recursive: true);
            }

            Assert.That(uninterruptedRun.TryWaitForExit(FinalRunLimit), Is.True, "the uninterrupted run did not finish");
            Assert.That(uninterruptedRun.ExitCode, Is.Zero, string.Join("\n", uninterruptedRun.Stderr));
            var uninterrupted = scenario.Read(uninterruptedOutput);
            (int compactedTables, string begins) = Compaction(uninterruptedState);
            compaction = $"compaction: {compactedTables} of 2 click logs of the uninterrupted run compacted (begin addresses {begins}), the final state of {compactedCycles} of {cycles} cycles compacted";
            Assert.That(compactedTables, Is.GreaterThan(0), $"seed {seed}: no click table's log was compacted (begin addresses {begins}); the loop needs more state");
            for (int c = 1; c <= cycles; c++)
            {
                if (ReplayCrashTests.PerPartitionDifference(uninterrupted, scenario.Read(Path.Combine(dir, $"out-{c}.jsonl"))) is { } fromUninterrupted)
                {
                    differentFromUninterrupted++;
                    notes.Add($"cycle {c} differs from the uninterrupted run: {fromUninterrupted}");
                }
            }
        }
        finally
        {
            string summary = $"seed {seed}: {cycles} cycles, {rounds} starts, {kills.Values.Sum()} SIGKILLs by phase: " +
                string.Join(", ", kills.Select(kv => $"{kv.Key} {kv.Value}")) +
                $"; refused starts {refused}, snapshots found unusable at a start {unusable}, lost {lost}, duplicated {duplicated}, cycles whose output differs from the uninterrupted run {differentFromUninterrupted}; {compaction}";
            TestContext.Out.WriteLine(summary);
            foreach (string note in notes)
            {
                TestContext.Out.WriteLine("  " + note);
            }
            ReliabilityReport.Add(new ReliabilityRow("chaos", $"`attribution replay --state-dir` SIGKILLed at random moments (start-up, recovery, clean-up, processing), {seconds / 60:F1} min",
                rounds, clock.Elapsed, summary + (notes.Count == 0 ? "" : "; notes: " + string.Join("; ", notes.Take(5).Select(n => n.Length > 300 ? n[..300] + "…" : n))),
                lost, duplicated, refused, 0,
                ReliabilityReport.TestCommand(nameof(KillLoopTests), seed, seconds == 45 ? null : $"{SecondsVariable}={seconds.ToString(CultureInfo.InvariantCulture)}")));
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        Assert.That(refused, Is.Zero, $"seed {seed}: a start refused the state directory: {string.Join("\n", notes)}");
        Assert.That((lost, duplicated, differentFromUninterrupted), Is.EqualTo((0, 0, 0)), $"seed {seed}: {string.Join("\n", notes)}");
        Assert.That(unusable, Is.Zero, $"seed {seed}: a kept snapshot lost files it needs: {string.Join("\n", notes)}");
        Assert.That(kills["start-up"] + kills["recovery"] + kills["clean-up"], Is.GreaterThan(0), "no kill fell before processing: the loop did not test start-up");
    }

    // Kills the child at a random moment; returns the phase the kill fell into, or null when the child exited by itself first.
    // A third of the kills wait for a start-up line and follow it within a few milliseconds, so that recovery and clean-up,
    // which take milliseconds, are hit often; half fall within 1.5 s of the start; the rest within 6 s (into processing, snapshots and compaction).
    private static string? KillSomewhere(ReplayChild child, Random rng)
    {
        switch (rng.Next(6))
        {
            case 0:
                child.WaitForLine(l => l.Contains("Recovering snapshot", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
                Thread.Sleep(rng.Next(0, 20));
                break;
            case 1:
                child.WaitForLine(l => l.Contains("Recovered snapshot", StringComparison.Ordinal) || l.Contains("starting with empty state", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
                Thread.Sleep(rng.Next(0, 5));
                break;
            case 2:
                Thread.Sleep(rng.Next(0, 6_000));
                break;
            default:
                Thread.Sleep(rng.Next(0, 1_500));
                break;
        }
        string phase = PhaseOf(child.Stderr);
        return child.Kill() ? phase : null;
    }

    private static string PhaseOf(IReadOnlyList<string> stderr)
    {
        string phase = "start-up";
        foreach (string line in stderr)
        {
            if (line.Contains("Recovering snapshot", StringComparison.Ordinal))
            {
                phase = "recovery";
            }
            else if (line.Contains("Recovered snapshot", StringComparison.Ordinal) || line.Contains("starting with empty state", StringComparison.Ordinal))
            {
                phase = "clean-up";
            }
            else if (line.Contains("resuming after input line", StringComparison.Ordinal) || line.Contains("starting at input line", StringComparison.Ordinal))
            {
                phase = "processing";
            }
        }
        return phase;
    }

    // Snapshots a start reported unusable: a kept snapshot whose files were deleted or damaged.
    private static int Unusable(ReplayChild child, int cycle, List<string> notes)
    {
        var lines = child.Stderr.Where(l => l.Contains("is not usable", StringComparison.Ordinal)).ToList();
        notes.AddRange(lines.Select(l => $"cycle {cycle}: {l}"));
        return lines.Count;
    }

    // A run that exited by itself: true when it completed; a failure is counted as a refused start.
    private static bool Ended(ReplayChild child, int seed, int cycle, ref int refused, List<string> notes)
    {
        child.TryWaitForExit(TimeSpan.FromSeconds(30));
        if (child.ExitCode == 0)
        {
            return true;
        }
        refused++;
        notes.Add($"cycle {cycle}: a start exited with {child.ExitCode}: {string.Join(" / ", child.Stderr.TakeLast(3))}");
        TestContext.Out.WriteLine($"seed {seed}, cycle {cycle}: refused start, stderr:\n{string.Join("\n", child.Stderr)}");
        return false;
    }

    // The log of a finished run's click tables begins past address 64 (FASTER's first) when sweeps compacted them
    // (otherwise the loop would not have exercised compaction against kept snapshots): read from the newest snapshot.
    private static (int Compacted, string Begins) Compaction(string state)
    {
        string newest = Directory.GetFiles(Path.Combine(state, "snapshots"), "snapshot-*.json").Order(StringComparer.Ordinal).Last();
        SnapshotManifest manifest = SnapshotStore.Read(newest);
        var begins = new List<long>();
        foreach (ShardCheckpoints shard in manifest.Shards)
        {
            var options = new FasterStateTableOptions
            {
                Directory = Path.Combine(state, $"shard-{shard.Shard}"),
                Name = "clicks",
                IndexBuckets = manifest.Storage.IndexBuckets,
                MemoryBytes = manifest.Storage.ClickMemoryBytes,
            };
            using var table = FasterStateTable.Recover(options, shard.Clicks);
            begins.Add(table.GetStats().LogBeginAddress);
        }
        return (begins.Count(b => b > 64), string.Join(", ", begins));
    }
}
