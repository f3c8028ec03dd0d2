using System.Diagnostics;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// A snapshot that cannot be written fails with one sentence, leaves the previous snapshot
/// untouched and loadable, and the engine keeps processing (or stops, if so configured).
/// </summary>
public class SnapshotFailureTests
{
    [Test]
    public void Unwritable_manifest_fails_the_snapshot_and_the_engine_and_previous_snapshot_carry_on()
    {
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 2);
        int n = scenario.Items.Count;
        var output = new CollectingOutput();
        using (var engine = new AttributionEngine(scenario.Options, output))
        {
            SnapshotRun.Submit(engine, scenario.Items, 0, n / 4);
            SnapshotInfo first = engine.Snapshot(new Dictionary<string, string> { ["next_input"] = (n / 4).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            SnapshotRun.Submit(engine, scenario.Items, n / 4, n / 2);
            // Something the engine cannot write over stands where the next manifest goes.
            string blocker = Path.Combine(new SnapshotStore(scenario.Directory.Path).Directory, SnapshotStore.FileName(first.Sequence + 1) + ".tmp");
            Directory.CreateDirectory(blocker);

            var e = Assert.Throws<SnapshotFailedException>(() => engine.Snapshot());
            TestContext.Out.WriteLine(e!.Message);
            Assert.That(e.Message, Does.StartWith($"Snapshot {first.Sequence + 1} failed and was discarded, snapshot {first.Sequence} is kept: "));
            Assert.That(e.Message.Count(c => c == '\n'), Is.Zero);
            Assert.That(engine.SnapshotFailures, Is.EqualTo(1));
            AssertOnlyCheckpointsOf(scenario, first);

            // Processing continues.
            SnapshotRun.Submit(engine, scenario.Items, n / 2, n);
            engine.Flush();
            Directory.Delete(blocker);
        }
        Assert.That(SnapshotRun.Difference(scenario.Expected, SnapshotRun.ByPartition(output)), Is.Null, "a failed snapshot must not disturb processing");
        scenario.ReopenAndReplay(1);
    }

    [Test]
    public void Full_disk_fails_the_snapshot_and_the_previous_snapshot_stays_loadable()
    {
        using var mount = TmpfsMount.TryCreate(8 << 20) ?? throw TestPrerequisite.Missing("mounting a small tmpfs failed", "this test needs root (or CAP_SYS_ADMIN) to mount one (mount -t tmpfs -o size=8m)");
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 2);
        // Big in-memory budgets: the state itself never needs the disk during the test, only snapshots do.
        scenario.Options = scenario.Options with { StateDirectory = mount.Path, ClickMemoryBytes = 16 << 20, ConversionMemoryBytes = 16 << 20 };
        int n = scenario.Items.Count;
        var output = new CollectingOutput();
        using (var engine = new AttributionEngine(scenario.Options, output))
        {
            SnapshotRun.Submit(engine, scenario.Items, 0, n / 4);
            SnapshotInfo first = engine.Snapshot(new Dictionary<string, string> { ["next_input"] = (n / 4).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            TestContext.Out.WriteLine($"first snapshot: {first.Bytes} bytes");
            SnapshotRun.Submit(engine, scenario.Items, n / 4, n / 2);
            string filler = Path.Combine(mount.Path, "filler");
            mount.Fill(filler, leaveBytes: 16 * 1024);

            var e = Assert.Throws<SnapshotFailedException>(() => engine.Snapshot());
            TestContext.Out.WriteLine(e!.Message);
            Assert.That(e.Message, Does.Contain("failed and was discarded"));
            AssertOnlyCheckpointsOf(scenario, first);

            SnapshotRun.Submit(engine, scenario.Items, n / 2, n);
            engine.Flush();
            File.Delete(filler);
        }
        Assert.That(SnapshotRun.Difference(scenario.Expected, SnapshotRun.ByPartition(output)), Is.Null, "a failed snapshot must not disturb processing");
        scenario.ReopenAndReplay(1);
    }

    [Test]
    public void Under_the_stop_policy_a_failed_periodic_snapshot_stops_input()
    {
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 2, count: 800);
        var log = new List<string>();
        var options = scenario.Options with { SnapshotEveryEvents = 100, OnSnapshotFailure = SnapshotFailurePolicy.Stop, Logger = log.Add };
        Directory.CreateDirectory(Path.Combine(new SnapshotStore(scenario.Directory.Path).Directory, SnapshotStore.FileName(1) + ".tmp"));
        using var engine = new AttributionEngine(options, new CollectingOutput());
        SnapshotFailedException? stopped = null;
        var clock = Stopwatch.StartNew();
        for (int i = 0; stopped is null && clock.Elapsed < TimeSpan.FromSeconds(30); i = (i + 1) % scenario.Items.Count)
        {
            try
            {
                SnapshotRun.Submit(engine, scenario.Items, i, i + 1);
            }
            catch (SnapshotFailedException e)
            {
                stopped = e;
            }
        }
        Assert.That(stopped, Is.Not.Null, "input must stop after the failure");
        TestContext.Out.WriteLine(stopped!.Message);
        Assert.That(stopped.Message, Does.StartWith("The engine stopped accepting input because a snapshot failed: Snapshot 1 failed"));
        Assert.That(log, Has.Some.StartWith("Snapshot 1 failed"));
        Assert.Throws<SnapshotFailedException>(() => engine.Submit("{}"u8));
    }

    private static void AssertOnlyCheckpointsOf(SnapshotScenario scenario, SnapshotInfo kept)
    {
        foreach (ShardCheckpoints shard in kept.Manifest.Shards)
        {
            string dir = Path.Combine(scenario.Options.StateDirectory!, $"shard-{shard.Shard}");
            Assert.That(FasterStateTable.ListCheckpoints(new FasterStateTableOptions { Directory = dir, Name = "clicks" }), Is.EqualTo(new[] { shard.Clicks }), "the failed snapshot's checkpoints are discarded");
            Assert.That(FasterStateTable.ListCheckpoints(new FasterStateTableOptions { Directory = dir, Name = "conversions" }), Is.EqualTo(new[] { shard.Conversions }));
        }
        Assert.That(new SnapshotStore(scenario.Options.StateDirectory!).List().Select(e => e.Sequence), Is.EqualTo(new[] { kept.Sequence }));
        Assert.That(new SnapshotStore(scenario.Options.StateDirectory!).Verify(SnapshotStore.Read(kept.ManifestPath)), Is.Null, "the previous snapshot still verifies");
    }

    /// <summary>A small tmpfs (needs root): a real file system that runs out of space.</summary>
    private sealed class TmpfsMount : IDisposable
    {
        private TmpfsMount(string path) => Path = path;

        public string Path { get; }

        public static TmpfsMount? TryCreate(long bytes)
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }
            string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "attribution-tests", "tmpfs-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(path);
            if (Run("mount", $"-t tmpfs -o size={bytes} tmpfs {path}") != 0)
            {
                Directory.Delete(path);
                return null;
            }
            return new TmpfsMount(path);
        }

        /// <summary>Fills the file system with <paramref name="file"/> until only about <paramref name="leaveBytes"/> are free.</summary>
        public void Fill(string file, long leaveBytes)
        {
            using var stream = new FileStream(file, FileMode.Create);
            var block = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    stream.Write(block);
                    stream.Flush();
                }
            }
            catch (IOException)
            {
                // Full.
            }
            stream.SetLength(Math.Max(0, stream.Length - leaveBytes));
        }

        public void Dispose()
        {
            Run("umount", Path);
            Directory.Delete(Path, recursive: true);
        }

        private static int Run(string command, string arguments)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                process.WaitForExit();
                return process.ExitCode;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return -1;
            }
        }
    }
}
