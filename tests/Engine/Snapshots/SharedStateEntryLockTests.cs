using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>A partition state file in a shared directory has one writer at a time: a second export of it waits for nobody, fails naming the writer, and changes nothing.</summary>
public class SharedStateEntryLockTests
{
    [Test]
    public void Exporting_a_partition_file_another_writer_holds_fails_naming_it_and_leaves_the_file_alone()
    {
        string dir = Directory.CreateTempSubdirectory("attr-shared-").FullName;
        try
        {
            var options = new EngineOptions { Attribution = new AttributionConfig { Partitions = 1 }, Shards = 1, ClickMemoryBytes = 1 << 20, ConversionMemoryBytes = 1 << 20, IndexBuckets = 1 << 10 };
            string path = Path.Combine(dir, "raw-events-0.state");
            using var engine = new AttributionEngine(options, new CollectingOutput());
            engine.Submit(Encoding.UTF8.GetBytes("{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"u\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1678886400000}"), 0, 0);
            engine.ExportPartition(0, path);

            using (StateDirectoryLock.AcquireEntry(path)) // another writer, mid-export
            {
                List<string> before = DirectoryTree.Describe(dir);
                var e = Assert.Throws<IOException>(() => engine.ExportPartition(0, path));
                TestContext.Out.WriteLine(e!.Message);
                Assert.That(e.Message, Does.Contain($"The file '{path}' is being written by process {Environment.ProcessId} on host {Environment.MachineName} ("));
                Assert.That(DirectoryTree.Describe(dir), Is.EqualTo(before), "the file and its neighbours are untouched");
            }
            PartitionStateInfo again = engine.ExportPartition(0, path); // released: written again
            Assert.That(again.Clicks, Is.EqualTo(1));
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "raw-events-0.state", "raw-events-0.state.lock" }), "no temp file left");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
