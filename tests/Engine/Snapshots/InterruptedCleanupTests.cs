using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Engine.State.Faster;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// What a crash leaves of a snapshot's clean-up is finished (or ignored) by the next start, and reading a checkpoint
/// that is gone never brings its folder back (FASTER opens its files with create-if-missing).
/// </summary>
public class InterruptedCleanupTests
{
    [Test]
    public void A_kept_snapshot_whose_log_floor_file_was_cut_short_still_recovers_exactly()
    {
        // The floor file is written just before the manifest; a power loss may leave it empty.
        var rng = new Random(TestSeed.Get());
        using var scenario = new SnapshotScenario(rng.Next(), shards: 2);
        int n = scenario.Items.Count;
        scenario.Run([n / 4, n / 2], stopAt: n * 3 / 4);
        SnapshotInfo newest = scenario.Taken[1];
        foreach (ShardCheckpoints shard in newest.Manifest.Shards)
        {
            string floor = Path.Combine(scenario.Directory.Path, $"shard-{shard.Shard}", "clicks", "checkpoints", "log-floors", shard.Clicks.ToString("N"));
            Assert.That(File.Exists(floor), Is.True, floor);
            File.WriteAllBytes(floor, []);
        }

        scenario.ReopenAndReplay(newest.Sequence);
    }

    [Test]
    public void A_start_finishes_removals_and_table_deletions_a_crash_interrupted()
    {
        var rng = new Random(TestSeed.Get());
        using var scenario = new SnapshotScenario(rng.Next(), shards: 2);
        int n = scenario.Items.Count;
        scenario.Run([n / 4, n / 2], stopAt: n * 3 / 4);
        string checkpoints = Path.Combine(scenario.Directory.Path, "shard-0", "clicks", "checkpoints");
        // A removal moved a checkpoint's folders into the trash and died while deleting them.
        string trashed = Path.Combine(checkpoints, "trash", Guid.NewGuid().ToString("N") + ".index");
        Directory.CreateDirectory(trashed);
        File.WriteAllBytes(Path.Combine(trashed, "ht.dat.0"), new byte[4096]);
        // An older engine's removal died between a checkpoint's two folders: an index folder without its log folder.
        string orphan = Path.Combine(checkpoints, "index-checkpoints", Guid.NewGuid().ToString());
        Directory.CreateDirectory(orphan);
        File.WriteAllBytes(Path.Combine(orphan, "info.dat.0"), new byte[64]);

        scenario.ReopenAndReplay(scenario.Taken[1].Sequence);

        Assert.That(Directory.Exists(trashed), Is.False, "the trash is emptied");
        Assert.That(Directory.Exists(orphan), Is.False, "an unreferenced checkpoint folder is garbage");
        Assert.That(scenario.Log, Has.None.Contains("not usable"));
    }

    [Test]
    public void A_fresh_start_deletes_a_table_folder_a_crashed_fresh_start_left_half_deleted()
    {
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "t", IndexBuckets = 1 << 10, MemoryBytes = 1 << 20 };
        string leftover = options.TableDirectory + ".deleting-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(Path.Combine(leftover, "checkpoints", "index-checkpoints", Guid.NewGuid().ToString()));
        using (FasterStateTable.Create(options))
        {
        }
        Assert.That(Directory.Exists(leftover), Is.False);
    }

    [Test]
    public void Recovering_a_checkpoint_whose_index_folder_is_gone_fails_without_recreating_it()
    {
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "t", IndexBuckets = 1 << 10, MemoryBytes = 1 << 20 };
        Guid token;
        using (var table = FasterStateTable.Create(options))
        {
            table.Upsert("k"u8, "v"u8);
            token = table.Checkpoint();
        }
        string index = Path.Combine(options.CheckpointDirectory, "index-checkpoints", token.ToString());
        Directory.Delete(index, recursive: true);

        Assert.Catch(() => FasterStateTable.Recover(options, token).Dispose());
        Assert.That(Directory.Exists(index), Is.False, "the missing checkpoint folder was created again");
    }

    [Test]
    public void Describing_a_removed_checkpoint_fails_without_bringing_its_folder_back()
    {
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "t", IndexBuckets = 1 << 10, MemoryBytes = 1 << 20 };
        using var table = FasterStateTable.Create(options);
        table.Upsert("k"u8, "v"u8);
        Guid token = table.Checkpoint();
        table.RemoveCheckpoint(token);

        Assert.Catch(() => table.CheckpointFiles(token));
        Assert.That(Directory.Exists(Path.Combine(options.CheckpointDirectory, "cpr-checkpoints", token.ToString())), Is.False);
        Assert.That(table.CheckpointTokens(), Is.Empty);
    }
}
