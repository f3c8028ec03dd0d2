using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>Settings checks, retention, periodic snapshots and extras captured at the cut.</summary>
[Category(TestCategories.Slow)]
public class SnapshotPolicyTests
{
    [Test]
    public void Snapshot_taken_with_other_results_settings_is_refused_in_one_sentence_and_kept()
    {
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 2, count: 400);
        scenario.Run([200], stopAt: 300);
        EngineOptions good = scenario.Options;

        // Narrower, so that an explicit conversion-id retention (>= window) stays valid.
        var narrower = good with { Attribution = good.Attribution with { WindowMs = good.Attribution.WindowMs - 1 } };
        var e = Assert.Throws<SnapshotMismatchException>(() => AttributionEngine.Open(narrower, new CollectingOutput()));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain("window").And.Contain($"Snapshot {scenario.Taken[0].Sequence} "));
        Assert.That(e.Message.TrimEnd('.').Split(". ").Length, Is.EqualTo(1), "one sentence");

        e = Assert.Throws<SnapshotMismatchException>(() => AttributionEngine.Open(good with { Attribution = good.Attribution with { AllowedLatenessMs = good.Attribution.AllowedLatenessMs + 1 } }, new CollectingOutput()));
        Assert.That(e!.Message, Does.Contain("allowed lateness"));
        e = Assert.Throws<SnapshotMismatchException>(() => AttributionEngine.Open(good with { Shards = 3 }, new CollectingOutput()));
        Assert.That(e!.Message, Does.Contain("shards 2 vs 3"));
        e = Assert.Throws<SnapshotMismatchException>(() => AttributionEngine.Open(good with { Attribution = good.Attribution with { Partitions = good.Attribution.Partitions + 1 } }, new CollectingOutput()));
        Assert.That(e!.Message, Does.Contain("partitions"));
        e = Assert.Throws<SnapshotMismatchException>(() => AttributionEngine.Open(good with { Attribution = good.Attribution with { ClickHistory = good.Attribution.ClickHistory % 4 + 1 } }, new CollectingOutput()));
        Assert.That(e!.Message, Does.Contain("click history"));

        // Refusing must not have touched the snapshot.
        scenario.ReopenAndReplay(scenario.Taken[0].Sequence);
    }

    [Test]
    public void Only_the_newest_K_snapshots_and_their_checkpoints_are_kept()
    {
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 2, count: 1_000, snapshotsToKeep: 2);
        scenario.Run([100, 300, 500, 700, 800], stopAt: 900);

        var entries = new SnapshotStore(scenario.Directory.Path).List();
        Assert.That(entries.Select(e => e.Sequence), Is.EqualTo(new long[] { 5, 4 }));
        var kept = scenario.Taken.Skip(3).SelectMany(t => t.Manifest.Shards).ToList();
        for (int shard = 0; shard < 2; shard++)
        {
            var clicks = FasterStateTable.ListCheckpoints(new FasterStateTableOptions { Directory = Path.Combine(scenario.Directory.Path, $"shard-{shard}"), Name = "clicks" });
            var conversions = FasterStateTable.ListCheckpoints(new FasterStateTableOptions { Directory = Path.Combine(scenario.Directory.Path, $"shard-{shard}"), Name = "conversions" });
            Assert.That(clicks, Is.EquivalentTo(kept.Where(s => s.Shard == shard).Select(s => s.Clicks)));
            Assert.That(conversions, Is.EquivalentTo(kept.Where(s => s.Shard == shard).Select(s => s.Conversions)));
            string folders = Path.Combine(scenario.Directory.Path, $"shard-{shard}", "clicks", "checkpoints", "cpr-checkpoints");
            Assert.That(Directory.GetDirectories(folders), Has.Length.EqualTo(2), "older checkpoint folders are deleted from disk");
        }
        scenario.ReopenAndReplay(5);
    }

    [Test]
    public void Periodic_snapshots_by_event_count_recover_exactly_from_the_newest()
    {
        int seed = TestSeed.Get();
        var (config, items) = StreamGenerator.Generate(seed, 1_500);
        using var reference = new TempStateDirectory();
        var (expected, expectedState) = SnapshotRun.Uninterrupted(config, items, 2, reference.Path);
        using var dir = new TempStateDirectory();
        var log = new List<string>();
        var options = SnapshotRun.Options(config, 2, dir.Path, log) with { SnapshotEveryEvents = 200 };
        var before = new CollectingOutput();
        long taken;
        using (var engine = new AttributionEngine(options, before))
        {
            for (int i = 0; i < items.Count; i += 100)
            {
                SnapshotRun.Submit(engine, items, i, Math.Min(i + 100, items.Count));
                // A periodic snapshot due while one is in flight is skipped; let each finish so several are taken.
                SpinWait.SpinUntil(() => !engine.SnapshotInProgress, TimeSpan.FromSeconds(30));
            }
            engine.Flush();
            taken = engine.LastSnapshot?.Sequence ?? 0;
        }
        Assert.That(SnapshotRun.Difference(expected, SnapshotRun.ByPartition(before)), Is.Null, "periodic snapshots must not change outputs");
        var entries = new SnapshotStore(dir.Path).List();
        TestContext.Out.WriteLine($"seed {seed}: snapshots {string.Join(", ", entries.Select(e => e.Sequence))}");
        Assert.That(entries, Has.Count.EqualTo(3), "default retention keeps 3");
        Assert.That(entries[0].Sequence, Is.GreaterThanOrEqualTo(taken).And.GreaterThanOrEqualTo(4));

        var after = new CollectingOutput();
        using (var engine = AttributionEngine.Open(options with { SnapshotEveryEvents = 0 }, after))
        {
            SnapshotManifest m = engine.RecoveredSnapshot!;
            Assert.That(m.Sequence, Is.EqualTo(entries[0].Sequence));
            int resume = (int)m.LastSubmittedPosition + 1;
            // Every submitted record advances its partition's position, so the largest one is the last submitted.
            Assert.That(m.Partitions.Max(p => p.Position), Is.EqualTo(m.LastSubmittedPosition));
            for (int p = 0; p < config.Partitions; p++)
            {
                engine.SetSilentUntil(p, items.Count - 1);
            }
            SnapshotRun.Submit(engine, items, resume, items.Count);
            engine.Flush();
            Assert.That(StateDump.Of(engine).Difference(expectedState), Is.Null, $"seed {seed}: state after replaying from {resume}");
        }
        Assert.That(after.Items, Is.Empty, "everything replayed was delivered before");
    }

    [Test]
    public void Periodic_snapshot_by_time_starts_when_due()
    {
        using var dir = new TempStateDirectory();
        var (config, items) = StreamGenerator.Generate(TestSeed.Get(), 100);
        var options = SnapshotRun.Options(config, 1, dir.Path) with { SnapshotInterval = TimeSpan.FromMilliseconds(300) };
        using var engine = new AttributionEngine(options, new CollectingOutput());
        SnapshotRun.Submit(engine, items, 0, items.Count);
        Assert.That(engine.SnapshotIfDue(), Is.False, "not due yet");
        Thread.Sleep(400);
        Assert.That(engine.SnapshotIfDue(), Is.True);
        var clock = Stopwatch.StartNew();
        while (engine.LastSnapshot is null && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(10);
        }
        Assert.That(engine.LastSnapshot?.Sequence, Is.EqualTo(1));
        Assert.That(engine.SnapshotIfDue(), Is.False, "the interval restarts");
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Extras_captured_at_the_cut_see_exactly_the_outputs_of_the_events_before_it(int shards)
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        var (config, items) = StreamGenerator.Generate(rng.Next(), 1_500);
        using var reference = new TempStateDirectory();
        var (expected, _) = SnapshotRun.Uninterrupted(config, items, shards, reference.Path);
        using var dir = new TempStateDirectory();
        var output = new CountingOutput();
        var options = SnapshotRun.Options(config, shards, dir.Path) with { CaptureSnapshotExtras = extras => extras["outputs"] = output.Count.ToString(CultureInfo.InvariantCulture) };
        using var engine = new AttributionEngine(options, output);
        int next = 0;
        foreach (int at in new[] { 300, 700, 701, 1200 })
        {
            SnapshotRun.Submit(engine, items, next, at);
            next = at;
            // No flush: outputs of earlier events are still on their way when the cut is published.
            SnapshotInfo info = engine.Snapshot();
            TestContext.Out.WriteLine($"snapshot {info.Sequence}: {info.Duration.TotalMilliseconds:F1} ms, pause {info.Pause.TotalMilliseconds:F2} ms, {info.Bytes} bytes written, {info.HashedBytes} hashed");
            long before = expected.Values.Sum(l => l.Count(x => x.Position < at));
            Assert.That(info.Manifest.Extras["outputs"], Is.EqualTo(before.ToString(CultureInfo.InvariantCulture)), $"seed {seed}, cut before input {at}");
        }
    }

    private sealed class CountingOutput : IEngineOutput
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Deliver(OutputBatch batch) => Interlocked.Add(ref _count, batch.Count);
    }
}
