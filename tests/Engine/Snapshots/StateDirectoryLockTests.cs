using System.Text;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Native;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Reliability;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// One engine per state directory: a second one — through <see cref="AttributionEngine.Open"/>, the
/// fresh-start constructor or the C ABI — is refused with one sentence naming the holder, and changes nothing.
/// </summary>
[NonParallelizable]
public unsafe class StateDirectoryLockTests
{
    private static readonly delegate* unmanaged<nint, byte*, nuint, int> s_snapshot = &QueryExports.Snapshot;

    [Test]
    public void A_second_engine_on_a_held_state_directory_is_refused_naming_the_holder_and_changes_nothing()
    {
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 2);
        int n = scenario.Items.Count;
        using (var holder = AttributionEngine.Open(scenario.Options, new CollectingOutput()))
        {
            SnapshotRun.Submit(holder, scenario.Items, 0, n / 2);
            holder.Snapshot(new Dictionary<string, string> { ["next_input"] = (n / 2).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            holder.Flush();
            List<string> before = DirectoryTree.Describe(scenario.Directory.Path);

            var reopened = Assert.Throws<StateDirectoryInUseException>(() => AttributionEngine.Open(scenario.Options, new CollectingOutput()).Dispose());
            // The fresh-start constructor deletes earlier state: it must be refused before that too.
            var fresh = Assert.Throws<StateDirectoryInUseException>(() => new AttributionEngine(scenario.Options, new CollectingOutput()).Dispose());
            TestContext.Out.WriteLine(reopened!.Message);

            Assert.That(DirectoryTree.Describe(scenario.Directory.Path), Is.EqualTo(before), "no file of the state directory changed");
            foreach (string message in new[] { reopened.Message, fresh!.Message })
            {
                AssertNamesThisProcess(message, scenario.Directory.Path);
            }
        }
        // Released on dispose: the next engine recovers the holder's snapshot.
        using var next = AttributionEngine.Open(scenario.Options, new CollectingOutput());
        Assert.That(next.RecoveredSnapshot, Is.Not.Null);
    }

    [Test]
    public void Attr_open_on_a_held_state_dir_returns_in_use_naming_the_holder_and_changes_nothing()
    {
        string dir = Path.Combine(Path.GetTempPath(), "attribution-tests", "lock-" + Guid.NewGuid().ToString("N"));
        string config = $"{{\"state_dir\":\"{dir}\",\"shards\":1}}";
        try
        {
            nint holder = NativeAbi.OpenOrFail(config);
            List<string> before;
            int status;
            string message;
            nint second = 0;
            try
            {
                Assert.That(s_snapshot(holder, null, 0), Is.Zero, () => NativeAbi.LastErrorText());
                before = DirectoryTree.Describe(dir);
                byte[] json = Encoding.UTF8.GetBytes(config);
                fixed (byte* p = json)
                {
                    status = NativeAbi.Open(p, (nuint)json.Length, &second);
                }
                message = NativeAbi.LastErrorText();
                TestContext.Out.WriteLine($"second attr_open: {status} {message}");
                Assert.That(DirectoryTree.Describe(dir), Is.EqualTo(before), "no file of the state_dir changed");
            }
            finally
            {
                Assert.That(NativeAbi.Close(holder), Is.Zero);
            }
            Assert.That(status, Is.EqualTo((int)AttrStatus.InUse));
            Assert.That(second, Is.EqualTo((nint)0), "no handle on failure");
            AssertNamesThisProcess(message, dir);
            nint after = NativeAbi.OpenOrFail(config); // closed: free again
            Assert.That(NativeAbi.Close(after), Is.Zero);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_lock_file_left_behind_does_not_block_the_next_engine()
    {
        using var scenario = new SnapshotScenario(TestSeed.Get(), shards: 1, count: 100);
        // A LOCK file with a holder line, as a killed process leaves it: only the OS lock counts.
        File.WriteAllText(Path.Combine(scenario.Directory.Path, StateDirectoryLock.FileName), "process 999999 on host gone (attribution replay) since 2020-01-01 00:00:00Z\n");
        using (AttributionEngine.Open(scenario.Options, new CollectingOutput()))
        {
        }
        // Read after the release: while held, every .NET open of the file fails (flock).
        Assert.That(File.ReadAllText(Path.Combine(scenario.Directory.Path, StateDirectoryLock.FileName)), Does.StartWith($"process {Environment.ProcessId} on host "));
    }

    private static void AssertNamesThisProcess(string message, string directory)
    {
        Assert.That(message, Does.StartWith($"The state directory '{Path.GetFullPath(directory)}' is in use by process {Environment.ProcessId} on host {Environment.MachineName} ("));
        Assert.That(message, Does.Match(@"\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ; stop that process or use another directory\.$"));
        Assert.That(message, Does.Not.Contain("\n"));
    }
}
