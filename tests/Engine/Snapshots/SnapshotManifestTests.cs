using System.Text;
using Attribution.Engine.Snapshots;

namespace Attribution.Tests.Engine.Snapshots;

public class SnapshotManifestTests
{
    private static SnapshotManifest Sample() => new()
    {
        Sequence = 42,
        LastSubmittedPosition = 1_234_567_890_124,
        CreatedAt = new DateTimeOffset(2024, 3, 15, 12, 30, 45, 123, TimeSpan.Zero),
        Config = new SnapshotConfig { WindowMs = 86_400_000, AllowedLatenessMs = 3_600_000, ConversionRetentionMs = 90_000_000, Partitions = 64, ClickHistory = 4, Shards = 2 },
        Storage = new SnapshotStorage { IndexBuckets = 1 << 16, ConversionIndexBuckets = 1 << 12, ClickMemoryBytes = 64L << 20, ConversionMemoryBytes = 16L << 20 },
        Partitions =
        [
            new PartitionCut { Partition = 0, Position = 1_234_567_890_123, Watermark = 1_678_886_400_000 },
            new PartitionCut { Partition = 5, Position = -1, Watermark = long.MinValue },
        ],
        Shards =
        [
            new ShardCheckpoints { Shard = 0, Clicks = Guid.NewGuid(), Conversions = Guid.NewGuid() },
            new ShardCheckpoints { Shard = 1, Clicks = Guid.NewGuid(), Conversions = Guid.NewGuid() },
        ],
        Files =
        [
            new SnapshotFile { Path = "shard-0/clicks/log/hlog.0", Length = 65_536, Prefix = true, XxHash64 = "0123456789abcdef" },
            new SnapshotFile { Path = "shard-0/clicks/checkpoints/cpr-checkpoints/x/info.dat.0", Length = 512, Prefix = false, XxHash64 = "fedcba9876543210" },
        ],
        Extras = new Dictionary<string, string> { ["output_length"] = "123456", ["note"] = "ünïcode \"quoted\"" },
    };

    [Test]
    public void Manifest_round_trips_through_json_with_every_field()
    {
        SnapshotManifest original = Sample();
        byte[] json = SnapshotStore.Serialize(original);
        string text = Encoding.UTF8.GetString(json);
        TestContext.Out.WriteLine(text);
        SnapshotManifest back = SnapshotStore.Deserialize(json);

        Assert.That(text, Does.Contain("\"format_version\": 1").And.Contain("\"xxhash64\": \"0123456789abcdef\"").And.Contain("\"manifest_xxhash64\""));
        Assert.That(back.FormatVersion, Is.EqualTo(SnapshotManifest.CurrentFormatVersion));
        Assert.That(back.Sequence, Is.EqualTo(original.Sequence));
        Assert.That(back.LastSubmittedPosition, Is.EqualTo(original.LastSubmittedPosition));
        Assert.That(back.CreatedAt, Is.EqualTo(original.CreatedAt));
        Assert.That(back.Config, Is.EqualTo(original.Config));
        Assert.That(back.Storage, Is.EqualTo(original.Storage));
        Assert.That(back.Partitions, Is.EqualTo(original.Partitions));
        Assert.That(back.Shards, Is.EqualTo(original.Shards));
        Assert.That(back.Files, Is.EqualTo(original.Files));
        Assert.That(back.Extras, Is.EqualTo(original.Extras));
        Assert.That(back.PositionOf(0), Is.EqualTo(1_234_567_890_123));
        Assert.That(back.PositionOf(7), Is.EqualTo(-1));
        Assert.That(SnapshotStore.Serialize(back), Is.EqualTo(json), "a round trip must not change a byte");
    }

    [Test]
    public void No_single_bit_flip_in_a_manifest_changes_its_content_unnoticed()
    {
        byte[] json = SnapshotStore.Serialize(Sample());
        int detected = 0, harmless = 0;
        for (int i = 0; i < json.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] damaged = (byte[])json.Clone();
                damaged[i] ^= (byte)(1 << bit);
                SnapshotManifest read;
                try
                {
                    read = SnapshotStore.Deserialize(damaged);
                }
                catch (InvalidDataException)
                {
                    detected++;
                    continue;
                }
                // Accepted only when it means the same (e.g. the case of a hex digit in a GUID or a \u escape).
                Assert.That(SnapshotStore.Serialize(read), Is.EqualTo(json), $"flip of bit {bit} at byte {i} ('{(char)json[i]}') changed the manifest unnoticed");
                harmless++;
            }
        }
        TestContext.Out.WriteLine($"{detected} flips detected, {harmless} accepted with identical content");
        Assert.That(detected, Is.GreaterThan(json.Length * 7));
    }

    [TestCase("", "not valid manifest JSON")]
    [TestCase("{\"format_version\": 1, \"sequence\": 3", "not valid manifest JSON")]
    [TestCase("[]", "not valid manifest JSON")]
    [TestCase("{\"format_version\": 1}", "not valid manifest JSON")]
    [TestCase("null", "not valid manifest JSON")]
    public void Broken_manifest_is_rejected_with_a_reason(string json, string reason)
    {
        var e = Assert.Throws<InvalidDataException>(() => SnapshotStore.Deserialize(Encoding.UTF8.GetBytes(json)));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain(reason));
    }

    [Test]
    public void Manifest_of_another_format_version_is_rejected_naming_both_versions()
    {
        SnapshotManifest future = Sample();
        byte[] json = SnapshotStore.Serialize(new SnapshotManifest
        {
            FormatVersion = 2,
            Sequence = future.Sequence,
            Config = future.Config,
            Storage = future.Storage,
        });
        var e = Assert.Throws<InvalidDataException>(() => SnapshotStore.Deserialize(json));
        Assert.That(e!.Message, Does.Contain("version is 2").And.Contain("reads version 1"));
    }
}
