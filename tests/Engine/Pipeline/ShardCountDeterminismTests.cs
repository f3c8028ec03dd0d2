using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>
/// Determinism per partition: the same input through 1, 2 and 4 shards yields, for every partition, the same
/// output records byte for byte (key, value and source position) in the same order, and the same counters.
/// Only the interleaving of partitions may differ.
/// </summary>
[Category(TestCategories.Slow)]
public class ShardCountDeterminismTests
{
    [Test]
    public void Output_of_every_partition_is_byte_identical_with_1_2_and_4_shards()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        long records = 0;
        for (int stream = 0; stream < 6; stream++)
        {
            int streamSeed = rng.Next();
            (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(streamSeed, 3_000);
            // Half the streams let the engine place records by hash(user_id), half name the partition.
            bool hashed = stream % 2 == 1;
            var (baseline, baselineCounters) = Run(config, items, shards: 1, hashed);
            foreach (int shards in new[] { 2, 4 })
            {
                var (outputs, counters) = Run(config, items, shards, hashed);
                string where = $"seed {seed}, stream {stream} (stream seed {streamSeed}, {(hashed ? "hashed" : "named")} partitions), {shards} shards vs 1";
                Assert.That(outputs.Keys.Order(), Is.EqualTo(baseline.Keys.Order()), where);
                foreach ((int partition, List<string> expected) in baseline)
                {
                    List<string> actual = outputs[partition];
                    int first = Enumerable.Range(0, Math.Min(actual.Count, expected.Count)).FirstOrDefault(i => actual[i] != expected[i], -1);
                    Assert.That(first, Is.EqualTo(-1), () => $"{where}, partition {partition}, record {first}: expected {expected[first]}, got {actual[first]}");
                    Assert.That(actual, Has.Count.EqualTo(expected.Count), $"{where}, partition {partition}");
                }
                Assert.That(counters.Outcomes, Is.EqualTo(baselineCounters.Outcomes), where);
                Assert.That(counters.Rejections, Is.EqualTo(baselineCounters.Rejections), where);
            }
            records += baseline.Values.Sum(l => l.Count);
        }
        TestContext.Out.WriteLine($"{records} output records compared per partition across 1, 2 and 4 shards");
        Assert.That(records, Is.GreaterThan(100));
    }

    private static (Dictionary<int, List<string>> Outputs, AttributionCounters Counters) Run(AttributionConfig config, List<SimEvent> items, int shards, bool hashed)
    {
        var output = new ByteOutput();
        var options = new EngineOptions
        {
            Attribution = config,
            Shards = shards,
            RingSize = 256,
            ExpireEveryEvents = 64,
            ClickMemoryBytes = 1 << 20,
            ConversionMemoryBytes = 1 << 20,
            IndexBuckets = 1 << 10,
        };
        AttributionCounters counters;
        using (var engine = new AttributionEngine(options, output))
        {
            for (int i = 0; i < items.Count; i++)
            {
                SimEvent item = items[i];
                if (item.Kind == SimKind.Expire)
                {
                    continue;
                }
                byte[] line = item.Kind == SimKind.Malformed ? Encoding.UTF8.GetBytes(item.RawLine!) : CodecSimEventDecoders.Render(item);
                engine.Submit(line, position: i, partition: hashed ? -1 : item.Partition);
            }
            engine.Flush();
            counters = engine.GetCounters();
            Assert.That(engine.FaultCount, Is.Zero, () => string.Join("; ", engine.RecentFaults().Select(f => f.ToString())));
        }
        return (output.ByPartition, counters);
    }

    /// <summary>Every delivered record as hex of its key, value and position, grouped by partition in delivery order.</summary>
    private sealed class ByteOutput : IEngineOutput
    {
        private readonly object _lock = new();

        public Dictionary<int, List<string>> ByPartition { get; } = new();

        public void Deliver(OutputBatch batch)
        {
            lock (_lock)
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    ref readonly OutputEntry e = ref batch.Entry(i);
                    if (!ByPartition.TryGetValue(e.Partition, out List<string>? list))
                    {
                        ByPartition[e.Partition] = list = new List<string>();
                    }
                    list.Add($"{e.Position} {Convert.ToHexString(batch.Key(in e))} {Convert.ToHexString(batch.Value(in e))}");
                }
            }
        }
    }
}
