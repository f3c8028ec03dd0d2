using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>A partition's state written by one engine and read by another (the state follows its partition to another host).</summary>
[Category(TestCategories.Slow)]
public class PartitionStateFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("attr-pstate-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static EngineOptions Options(AttributionConfig config, int shards) => new()
    {
        Attribution = config,
        Shards = shards,
        RingSize = 256,
        ExpireEveryEvents = 64,
        ClickMemoryBytes = 1 << 20,
        ConversionMemoryBytes = 1 << 20,
        IndexBuckets = 1 << 10,
    };

    private static void Feed(AttributionEngine engine, List<SimEvent> items, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            SimEvent item = items[i];
            if (item.Kind == SimKind.Expire)
            {
                continue;
            }
            engine.Submit(item.Kind == SimKind.Malformed ? Encoding.UTF8.GetBytes(item.RawLine!) : CodecSimEventDecoders.Render(item), position: i, partition: item.Partition);
        }
        engine.Flush();
    }

    [Test]
    public void An_engine_that_imports_every_partition_halfway_continues_exactly_as_the_reference()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        long compared = 0, entries = 0;
        for (int iteration = 0; iteration < 12; iteration++)
        {
            int streamSeed = rng.Next();
            var (config, items) = StreamGenerator.Generate(streamSeed, 2_000);
            RunResult expected = AttributionRun.Reference(config, items, guarded: true);
            int half = items.Count / 2;
            var want = new Dictionary<long, AttributedOutput>();
            for (int i = 0, o = 0; i < items.Count; i++)
            {
                if (expected.Steps[i] == nameof(AttributionOutcome.Attributed))
                {
                    if (i >= half)
                    {
                        want[i] = expected.Outputs[o];
                    }
                    o++;
                }
            }

            var files = new List<string>();
            using (var first = new AttributionEngine(Options(config, 1 + rng.Next(3)), new CollectingOutput()))
            {
                Feed(first, items, 0, half);
                for (int p = 0; p < config.Partitions; p++)
                {
                    string path = Path.Combine(_dir, $"s{iteration}-p{p}.state");
                    PartitionStateInfo written = first.ExportPartition(p, path);
                    Assert.That(written.Partition, Is.EqualTo(p));
                    entries += written.Clicks + written.Conversions;
                    files.Add(path);
                }
            }
            var output = new CollectingOutput();
            using (var second = new AttributionEngine(Options(config, 1 + rng.Next(3)), output))
            {
                for (int p = 0; p < config.Partitions; p++)
                {
                    PartitionStateInfo read = second.ImportPartition(p, files[p]);
                    Assert.That(read.Partition, Is.EqualTo(p));
                }
                Feed(second, items, half, items.Count);
            }
            var got = output.Items.ToDictionary(x => x.Position, x => x.Output);
            Assert.That(got.Keys.Order(), Is.EqualTo(want.Keys.Order()), $"which conversions were attributed after the import (ATTRIBUTION_SEED={seed}, stream seed {streamSeed})");
            foreach (var (position, output1) in want)
            {
                Assert.That(got[position], Is.EqualTo(output1), $"the attribution of position {position} (ATTRIBUTION_SEED={seed}, stream seed {streamSeed})");
            }
            compared += want.Count;
        }
        TestContext.Out.WriteLine($"{compared} attributions after an import compared; {entries} state entries moved");
        Assert.That(compared, Is.GreaterThan(0));
        Assert.That(entries, Is.GreaterThan(0));
    }

    [Test]
    public void After_an_import_the_shard_does_not_rule_expiry_out_until_it_has_swept()
    {
        var (config, _, path) = OneExport();
        using var engine = new AttributionEngine(Options(config, 1), new CollectingOutput());
        AttributionCore<global::Attribution.Engine.State.Faster.FasterStateTable> core = engine.Shards[0].Core;
        Assert.That(core.ExpiryMayRemove(long.MaxValue / 2), Is.False, "a new engine's tables are empty");
        engine.ImportPartition(0, path);
        Assert.That(core.ExpiryMayRemove(PartitionWatermarks.None), Is.True, "the floors know nothing of the imported entries");
    }

    private (AttributionConfig Config, List<SimEvent> Items, string Path) OneExport()
    {
        var (config, items) = StreamGenerator.Generate(1234, 600, includeBadLines: false, partitions: 1);
        string path = Path.Combine(_dir, "p0.state");
        using var engine = new AttributionEngine(Options(config, 1), new CollectingOutput());
        Feed(engine, items, 0, items.Count);
        PartitionStateInfo info = engine.ExportPartition(0, path);
        Assert.That(info.Clicks, Is.GreaterThan(0));
        Assert.That(info.Position, Is.EqualTo(items.FindLastIndex(i => i.Kind != SimKind.Expire)));
        return (config, items, path);
    }

    [Test]
    public void A_file_with_one_byte_changed_is_refused_whole_and_the_partition_keeps_its_state()
    {
        var (config, items, path) = OneExport();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var output = new CollectingOutput();
        using var engine = new AttributionEngine(Options(config, 1), output);
        Feed(engine, items, 0, items.Count / 2);
        int before = output.Items.Count;
        var e = Assert.Throws<InvalidDataException>(() => engine.ImportPartition(0, path));
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e.Message, Does.Contain("checksum").Or.Contain("entry").Or.Contain("count"));
        // The partition's own state is untouched: the rest of the stream gives the reference's output.
        Feed(engine, items, items.Count / 2, items.Count);
        RunResult expected = AttributionRun.Reference(config, items, guarded: true);
        Assert.That(output.Items.Select(x => x.Output), Is.EqualTo(expected.Outputs), $"{before} before the refused import");
    }

    [Test]
    public void A_truncated_file_and_a_file_of_other_settings_are_refused_with_the_reason()
    {
        var (config, _, path) = OneExport();
        using var engine = new AttributionEngine(Options(config with { WindowMs = config.WindowMs + 1 }, 1), new CollectingOutput());
        var other = Assert.Throws<InvalidDataException>(() => engine.ImportPartition(0, path));
        Assert.That(other!.Message, Does.Contain("other settings").And.Contain("window"));

        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 20).ToArray());
        var truncated = Assert.Throws<InvalidDataException>(() => PartitionStateFile.Inspect(path, config));
        Assert.That(truncated!.Message, Does.Contain("truncated").Or.Contain("checksum"));
        TestContext.Out.WriteLine($"{other.Message} | {truncated.Message}");
    }

    [Test]
    public void Importing_into_a_partition_of_another_number_is_refused()
    {
        var (config, _, path) = OneExport();
        using var engine = new AttributionEngine(Options(config with { Partitions = 4 }, 2), new CollectingOutput());
        var e = Assert.Throws<InvalidDataException>(() => engine.ImportPartition(3, path));
        Assert.That(e!.Message, Does.Contain("partition 0, not 3"));
    }
}
