using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Engine.State.Faster;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// Exact recovery (docs/SNAPSHOTS.md): an engine that snapshots, runs on, "crashes", reopens from the
/// snapshot and replays the input from the snapshot's positions — silently up to the crash point —
/// delivers per partition exactly the outputs of an uninterrupted run, and ends in the same state.
/// </summary>
[Category(TestCategories.Slow)]
public class SnapshotRecoveryTests
{
    [TestCase(1)]
    [TestCase(3)]
    public void Snapshot_crash_reopen_and_silent_replay_give_exactly_the_uninterrupted_outputs_and_state(int shards)
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        long silenced = 0, compared = 0;
        for (int iteration = 0; iteration < 4; iteration++)
        {
            int streamSeed = rng.Next();
            var (config, items) = StreamGenerator.Generate(streamSeed, 1_500);
            int snapshotAt = rng.Next(items.Count / 4, items.Count / 2);
            int crashAt = rng.Next(snapshotAt, items.Count * 3 / 4);
            string context = $"seed {seed}, stream seed {streamSeed}, {shards} shards, snapshot at {snapshotAt}, crash at {crashAt}";

            using var dirA = new TempStateDirectory();
            var (expected, expectedState) = SnapshotRun.Uninterrupted(config, items, shards, dirA.Path);

            using var dirB = new TempStateDirectory();
            var log = new List<string>();
            var options = SnapshotRun.Options(config, shards, dirB.Path, log);
            var before = new CollectingOutput();
            StateDump atSnapshot;
            SnapshotInfo info;
            using (var engine = new AttributionEngine(options, before))
            {
                SnapshotRun.Submit(engine, items, 0, snapshotAt);
                engine.Flush();
                atSnapshot = StateDump.Of(engine);
                // The shards process on while the checkpoints are written: those events must stay out of the snapshot.
                Task<SnapshotInfo> taking = engine.SnapshotAsync(new Dictionary<string, string> { ["next_input"] = snapshotAt.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                SnapshotRun.Submit(engine, items, snapshotAt, crashAt);
                info = taking.GetAwaiter().GetResult();
                // Dispose without another snapshot: everything after the snapshot is lost but its outputs were delivered.
            }
            Assert.That(info.Pause, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(info.Duration), context);

            var after = new CollectingOutput();
            using (var engine = AttributionEngine.Open(options, after))
            {
                SnapshotManifest recovered = engine.RecoveredSnapshot ?? throw new AssertionException($"{context}: nothing recovered; log: {string.Join(" | ", log)}");
                Assert.That(recovered.Sequence, Is.EqualTo(info.Sequence), context);
                Assert.That(StateDump.Of(engine).Difference(atSnapshot), Is.Null, $"{context}: recovered state differs from the state at the snapshot");

                // Positions say exactly up to where each partition's input is in the state.
                for (int p = 0; p < config.Partitions; p++)
                {
                    int last = items.FindLastIndex(snapshotAt - 1, snapshotAt, x => x.Kind != SimKind.Expire && x.Partition == p);
                    Assert.That(recovered.PositionOf(p), Is.EqualTo((long)last), $"{context}: position of partition {p}");
                }
                int resume = int.Parse(recovered.Extras["next_input"], System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(recovered.LastSubmittedPosition, Is.EqualTo((long)items.FindLastIndex(snapshotAt - 1, snapshotAt, x => x.Kind != SimKind.Expire)), $"{context}: last submitted position");
                for (int p = 0; p < config.Partitions; p++)
                {
                    engine.SetSilentUntil(p, crashAt - 1);
                }
                SnapshotRun.Submit(engine, items, resume, items.Count);
                engine.Flush();
                Assert.That(StateDump.Of(engine).Difference(expectedState), Is.Null, $"{context}: final state differs from the uninterrupted run");
                silenced += engine.Shards.Sum(s => s.SilencedOutputs);
                long expectedSilenced = expected.Values.Sum(l => l.Count(x => x.Position >= snapshotAt && x.Position < crashAt));
                Assert.That(engine.Shards.Sum(s => s.SilencedOutputs), Is.EqualTo(expectedSilenced), $"{context}: silenced outputs");
            }
            var afterByPartition = SnapshotRun.ByPartition(after);
            Assert.That(afterByPartition.Values.SelectMany(l => l).Where(x => x.Position < crashAt), Is.Empty, $"{context}: output delivered twice");
            string? difference = SnapshotRun.Difference(expected, SnapshotRun.Concat(SnapshotRun.ByPartition(before), afterByPartition));
            Assert.That(difference, Is.Null, context);
            compared += expected.Values.Sum(l => l.Count);
        }
        TestContext.Out.WriteLine($"{compared} outputs compared, {silenced} silenced during replay");
        Assert.That(compared, Is.GreaterThan(0));
    }
}
