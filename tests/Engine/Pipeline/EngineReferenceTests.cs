using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>
/// The whole engine (JSON bytes → ring → N shards over FASTER → JSON out) against the reference
/// model: for every shard count the output of each partition equals the reference's, in order.
/// </summary>
[Category(TestCategories.Slow)]
public class EngineReferenceTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void Engine_output_per_partition_equals_the_reference_for_any_shard_count(int shards)
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        long attributed = 0, rejected = 0;
        for (int iteration = 0; iteration < 20; iteration++)
        {
            int streamSeed = rng.Next();
            (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(streamSeed, 2_000);
            RunResult expected = AttributionRun.Reference(config, items, guarded: true);
            var (outputs, counters) = RunEngine(config, items, shards);
            string? difference = Compare(expected, outputs, counters);
            Assert.That(difference, Is.Null,
                $"seed {seed} (ATTRIBUTION_SEED={seed}), stream {iteration} (stream seed {streamSeed}), {shards} shards: {difference}");
            attributed += outputs.Count;
            rejected += counters.Rejected;
        }
        TestContext.Out.WriteLine($"{shards} shards: {attributed} attributions, {rejected} rejected lines compared");
        Assert.That(attributed, Is.GreaterThan(0));
        Assert.That(rejected, Is.GreaterThan(0));
    }

    internal static (List<AttributedOutput> Outputs, AttributionCounters Counters) RunEngine(AttributionConfig config, List<SimEvent> items, int shards)
    {
        var output = new CollectingOutput();
        var options = new EngineOptions
        {
            Attribution = config,
            Shards = shards,
            RingSize = 256,
            ExpireEveryEvents = 64, // sweep often: physical expiry must never change the output
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
                engine.Submit(line, position: i, partition: item.Partition);
            }
            engine.Flush();
            counters = engine.GetCounters();
            Assert.That(engine.FaultCount, Is.Zero, () => string.Join("; ", engine.RecentFaults().Select(f => f.ToString())));
        }
        return (output.Items.Select(x => x.Output).ToList(), counters);
    }

    internal static string? Compare(RunResult expected, List<AttributedOutput> actual, AttributionCounters counters)
    {
        var expectedByPartition = expected.Outputs.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => g.ToList());
        var actualByPartition = actual.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => g.ToList());
        foreach (int p in expectedByPartition.Keys.Union(actualByPartition.Keys).Order())
        {
            var e = expectedByPartition.GetValueOrDefault(p) ?? [];
            var a = actualByPartition.GetValueOrDefault(p) ?? [];
            for (int i = 0; i < Math.Max(e.Count, a.Count); i++)
            {
                var ei = i < e.Count ? e[i] : null;
                var ai = i < a.Count ? a[i] : null;
                if (ei != ai)
                {
                    return $"partition {p}, output {i}: expected {ei?.ToString() ?? "nothing"}, got {ai?.ToString() ?? "nothing"}";
                }
            }
        }
        for (int o = 0; o < AttributionOutcomes.Count; o++)
        {
            if (expected.OutcomeCounts[o] != counters.Outcomes[o])
            {
                return $"outcome {AttributionOutcomes.Name((AttributionOutcome)o)}: expected {expected.OutcomeCounts[o]}, got {counters.Outcomes[o]}";
            }
        }
        for (int r = 1; r < RejectReasons.Count; r++)
        {
            long want = expected.Rejections.GetValueOrDefault((RejectReason)r);
            if (want != counters.Rejections[r])
            {
                return $"rejections {RejectReasons.Name((RejectReason)r)}: expected {want}, got {counters.Rejections[r]}";
            }
        }
        return null;
    }
}
