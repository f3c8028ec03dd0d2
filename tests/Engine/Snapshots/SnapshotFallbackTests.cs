using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// A damaged or unfinished snapshot is never loaded: recovery says which one is bad and why, and
/// falls back to the next older one, which then recovers exactly.
/// </summary>
[Category(TestCategories.Slow)]
public class SnapshotFallbackTests
{
    public enum Damage
    {
        ManifestMissing,        // crash after the checkpoints, before the manifest was renamed into place
        ManifestTempOnly,       // crash while the manifest was being written
        ManifestTruncated,
        ManifestBitFlipped,
        CheckpointFileMissing,
        CheckpointFileTruncated,
        CheckpointFileBitFlipped,
    }

    [TestCase(Damage.ManifestMissing, null)]
    [TestCase(Damage.ManifestTempOnly, null)]
    [TestCase(Damage.ManifestTruncated, "not valid manifest JSON")]
    [TestCase(Damage.ManifestBitFlipped, "")]
    [TestCase(Damage.CheckpointFileMissing, "is missing")]
    [TestCase(Damage.CheckpointFileTruncated, "bytes long")]
    [TestCase(Damage.CheckpointFileBitFlipped, "does not match its checksum")]
    public void Damaged_newest_snapshot_is_reported_and_the_older_one_recovers_exactly(Damage damage, string? reason)
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        using var scenario = new SnapshotScenario(rng.Next(), shards: 2);
        int n = scenario.Items.Count;
        scenario.Run([n / 4, n / 2], stopAt: n * 3 / 4);
        SnapshotInfo older = scenario.Taken[0], newest = scenario.Taken[1];
        Guid[] newestTokens = newest.Manifest.Shards.SelectMany(s => new[] { s.Clicks, s.Conversions }).ToArray();

        string manifest = newest.ManifestPath;
        var strays = new List<string>();
        switch (damage)
        {
            case Damage.ManifestMissing:
                File.Delete(manifest);
                // And a checkpoint a crash interrupted before FASTER wrote its metadata.
                foreach (string kind in new[] { "cpr-checkpoints", "index-checkpoints" })
                {
                    string stray = Path.Combine(scenario.Directory.Path, "shard-1", "clicks", "checkpoints", kind, Guid.NewGuid().ToString());
                    Directory.CreateDirectory(stray);
                    File.WriteAllBytes(Path.Combine(stray, "snapshot.dat.0"), new byte[4096]);
                    strays.Add(stray);
                }
                break;
            case Damage.ManifestTempOnly:
                byte[] partial = File.ReadAllBytes(manifest)[..200];
                File.Delete(manifest);
                File.WriteAllBytes(manifest + ".tmp", partial);
                break;
            case Damage.ManifestTruncated:
                Truncate(manifest, rng);
                break;
            case Damage.ManifestBitFlipped:
                FlipBit(manifest, rng);
                break;
            case Damage.CheckpointFileMissing:
                File.Delete(Pick(scenario.OwnFiles(newest), rng));
                break;
            case Damage.CheckpointFileTruncated:
                Truncate(Pick(scenario.OwnFiles(newest), rng), rng);
                break;
            case Damage.CheckpointFileBitFlipped:
                FlipBit(Pick(scenario.OwnFiles(newest), rng), rng);
                break;
        }

        scenario.ReopenAndReplay(older.Sequence);

        string? line = scenario.Log.FirstOrDefault(l => l.StartsWith($"Snapshot {newest.Sequence} ", StringComparison.Ordinal) && l.Contains("not usable", StringComparison.Ordinal));
        if (reason is null)
        {
            Assert.That(line, Is.Null, "an unfinished snapshot has no manifest to complain about");
        }
        else
        {
            Assert.That(line, Is.Not.Null.And.Contain(reason), string.Join(" | ", scenario.Log));
        }
        Assert.That(File.Exists(manifest) || File.Exists(manifest + ".tmp"), Is.False, "the unusable snapshot is deleted");
        Assert.That(strays.Where(Directory.Exists), Is.Empty, "folders of interrupted checkpoints are deleted");
        for (int shard = 0; shard < 2; shard++)
        {
            foreach (string table in new[] { "clicks", "conversions" })
            {
                var tokens = FasterStateTable.ListCheckpoints(new FasterStateTableOptions { Directory = Path.Combine(scenario.Directory.Path, $"shard-{shard}"), Name = table });
                Assert.That(tokens, Has.None.AnyOf(newestTokens), $"checkpoints of the unusable snapshot are removed (shard {shard} {table})");
            }
        }
    }

    [Test]
    public void With_no_usable_snapshot_the_engine_starts_empty_and_says_so()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        using var scenario = new SnapshotScenario(rng.Next(), shards: 2);
        int n = scenario.Items.Count;
        scenario.Run([n / 4, n / 2], stopAt: n * 3 / 4);
        foreach (SnapshotInfo info in scenario.Taken)
        {
            FlipBit(Pick(scenario.OwnFiles(info), rng), rng);
        }

        scenario.ReopenAndReplay(expectedSequence: null);

        Assert.That(scenario.Log, Has.Some.Contains("None of the 2 snapshots").And.Contains("starting with empty state"));
        Assert.That(new SnapshotStore(scenario.Directory.Path).List(), Is.Empty);
    }

    [Test]
    public void An_empty_state_directory_starts_empty_and_says_so()
    {
        using var dir = new TempStateDirectory();
        var log = new List<string>();
        using var engine = AttributionEngine.Open(SnapshotRun.Options(new(), 2, dir.Path, log), new CollectingOutput());
        Assert.That(engine.RecoveredSnapshot, Is.Null);
        Assert.That(log, Has.Some.StartsWith("No snapshot in"));
    }

    private static string Pick(List<string> files, Random rng) => files[rng.Next(files.Count)];

    private static void Truncate(string path, Random rng)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(rng.NextInt64(0, stream.Length));
        TestContext.Out.WriteLine($"truncated {path} to {stream.Length} bytes");
    }

    private static void FlipBit(string path, Random rng)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int at = rng.Next(bytes.Length);
        int bit = rng.Next(8);
        bytes[at] ^= (byte)(1 << bit);
        File.WriteAllBytes(path, bytes);
        TestContext.Out.WriteLine($"flipped bit {bit} of byte {at} of {path}");
    }
}
