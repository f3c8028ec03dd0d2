using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Reliability;

/// <summary>A good snapshot that cannot be read because of the environment is never given up for an older one or for empty state.</summary>
[NonParallelizable]
public class SnapshotAccessTests
{
    [Test]
    public void A_verified_snapshot_on_a_read_only_disk_fails_the_open_and_is_recovered_once_the_disk_is_writable()
    {
        using var fs = ScratchFileSystem.Mount(64L << 20);
        string dir = Path.Combine(fs.Path, "state");
        var options = new EngineOptions
        {
            Attribution = new AttributionConfig { Partitions = 1 },
            Shards = 1,
            StateDirectory = dir,
            ClickMemoryBytes = 1 << 20,
            ConversionMemoryBytes = 1 << 20,
            IndexBuckets = 1 << 10,
        };
        using (var engine = AttributionEngine.Open(options, new CollectingOutput()))
        {
            for (int i = 0; i < 500; i++)
            {
                engine.Submit(Encoding.UTF8.GetBytes($"{{\"event_type\":\"click\",\"event_id\":\"c-{i}\",\"user_id\":\"u{i}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{1_678_886_400_000 + i}}}"), i, 0);
            }
            engine.Snapshot();
        }
        string[] before = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order().ToArray();

        fs.MakeReadOnly();
        var e = Assert.Throws<IOException>(() => AttributionEngine.Open(options, new CollectingOutput()).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        // The state directory's lock file cannot be opened for writing, so the open stops there, before the snapshot is read.
        Assert.That(e.Message, Does.StartWith($"The state directory '{dir}' cannot be locked").And.Contain("nothing was changed"));

        fs.Resize(64L << 20); // writable again, files kept
        Assert.That(Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(), Is.EqualTo(before), "every file of the state directory is still there");
        var output = new CollectingOutput();
        using var recovered = AttributionEngine.Open(options, output);
        Assert.That(recovered.RecoveredSnapshot, Is.Not.Null, "the snapshot is recovered once the disk can be written");
        Assert.That(recovered.RecoveredSnapshot!.Partitions.Single().Position, Is.EqualTo(499));
        recovered.Submit(Encoding.UTF8.GetBytes("{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"u7\",\"campaign_id\":\"k\",\"timestamp\":1678886401000}"), 500, 0);
        recovered.Flush();
        Assert.That(output.Items.Single().Output.ClickId, Is.EqualTo("c-7"), "the recovered state attributes");
    }
}
