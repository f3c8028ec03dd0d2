using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>The hand-over of attributions from the shard threads to the transaction loop.</summary>
public class OutputCollectorTests
{
    // Fresh ids: a click then a conversion of the same user and campaign, attributed.
    private static List<byte[]> Lines(int pairs)
    {
        const long t0 = 1_678_886_400_000;
        var lines = new List<byte[]>(pairs * 2);
        for (int i = 0; i < pairs; i++)
        {
            long t = t0 + i * 10L;
            lines.Add(Encoding.UTF8.GetBytes($"{{\"event_type\":\"click\",\"event_id\":\"c-{i}\",\"user_id\":\"u{i}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{t}}}"));
            lines.Add(Encoding.UTF8.GetBytes($"{{\"event_type\":\"conversion\",\"event_id\":\"v-{i}\",\"user_id\":\"u{i}\",\"campaign_id\":\"k\",\"value\":1.5,\"timestamp\":{t + 5}}}"));
        }
        return lines;
    }

    // A bounded key set in steady state: 97 users, conversion ids reused every 5 rounds, rounds 2 h apart
    // so a reused id's memory (1 h retention) has expired and it is attributed again.
    private static (List<byte[]> Lines, int[] Partitions) SteadyLines(int rounds, int partitions)
    {
        const long t0 = 1_678_886_400_000;
        var lines = new List<byte[]>();
        var partitionOf = new List<int>();
        for (int r = 0; r < rounds; r++)
        {
            long t = t0 + r * 2 * AttributionConfig.HourMs;
            for (int u = 0; u < 97; u++)
            {
                lines.Add(Encoding.UTF8.GetBytes($"{{\"event_type\":\"click\",\"event_id\":\"c-{u}-{r % 7}\",\"user_id\":\"u{u}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{t}}}"));
                lines.Add(Encoding.UTF8.GetBytes($"{{\"event_type\":\"conversion\",\"event_id\":\"v-{u}-{r % 5}\",\"user_id\":\"u{u}\",\"campaign_id\":\"k\",\"value\":1.5,\"timestamp\":{t + 1000}}}"));
                partitionOf.Add(u % partitions);
                partitionOf.Add(u % partitions);
            }
        }
        return (lines, partitionOf.ToArray());
    }

    [Test]
    public void Handing_attributions_to_the_transaction_loop_allocates_nothing_per_event_after_warm_up()
    {
        const int partitions = 4;
        const int chunk = 20_000;
        var (lines, partitionOf) = SteadyLines(1_200, partitions);
        var directory = new PartitionDirectory();
        for (int p = 0; p < partitions; p++)
        {
            directory.Set(new PartitionSlot(p, new RecoveryPoint(0, 0, RecoveryPoint.None, RecoveryPoint.None)));
        }
        var stats = new PipelineStats();
        var collector = new OutputCollector(directory, stats);
        var options = new EngineOptions
        {
            Attribution = new AttributionConfig { WindowMs = AttributionConfig.HourMs, AllowedLatenessMs = 0, ConversionRetentionMs = AttributionConfig.HourMs },
            Shards = 2,
            // A shard delivers once per ring batch, and its batch buffer grows (once) to the largest batch seen; a
            // small ring bounds that size so the warm-up surely reaches it, as in the engine's allocation test.
            RingSize = 1024,
            MultiProducer = true,
            Wait = WaitKind.Blocking,
            ClickMemoryBytes = 1 << 20, // small budgets: FASTER's page ring is full after the warm-up
            ConversionMemoryBytes = 1 << 20,
            IndexBuckets = 1 << 10,
            ExpireEveryEvents = long.MaxValue, // sweeps are maintenance, not the per-event path
        };
        using var engine = new AttributionEngine(options, collector);
        long delivered = 0;
        void Run(int from, int to)
        {
            for (int start = from; start < to; start += chunk)
            {
                for (int i = start; i < Math.Min(to, start + chunk); i++)
                {
                    engine.Submit(lines[i], position: i, partition: partitionOf[i]);
                }
                engine.Flush();
                var taken = collector.Take();
                delivered += taken.Count;
                collector.Return(taken);
            }
        }

        // Warm-up: both buffers grow to the largest batch, FASTER's page ring fills (its pages are allocated lazily).
        int warm = lines.Count / 4 * 3 / chunk * chunk;
        Run(0, warm);
        var before = new ShardThreadBytes(options.Shards);
        engine.Execute(before, TimeSpan.FromMinutes(1));
        long deliveredBefore = delivered;
        long threadBefore = AllocationGate.ThreadBytes();
        Run(warm, lines.Count);
        long threadBytes = AllocationGate.ThreadBytes() - threadBefore;
        var after = new ShardThreadBytes(options.Shards);
        engine.Execute(after, TimeSpan.FromMinutes(1));

        long measured = delivered - deliveredBefore;
        TestContext.Out.WriteLine($"{measured} attributions handed over; shard threads allocated {string.Join(", ", after.Bytes.Zip(before.Bytes, (a, b) => a - b))} B; " +
            $"the submitting/taking thread {threadBytes} B (one flush command per chunk)");
        Assert.That(measured, Is.EqualTo((lines.Count - warm) / 2), "every conversion of the measured part attributed and handed over once");
        for (int i = 0; i < options.Shards; i++)
        {
            AllocationGate.AssertNone(after.Bytes[i] - before.Bytes[i], $"the thread of shard {i}, copying into the pending buffer");
        }
        Assert.That(threadBytes, Is.LessThan((lines.Count - warm) / 10), "the taking side allocates per batch at most, never per event");
    }

    [Test]
    public void Outputs_of_the_rebuild_range_of_offsets_already_in_Kafka_and_of_released_partitions_are_dropped()
    {
        var directory = new PartitionDirectory();
        directory.Set(new PartitionSlot(0, new RecoveryPoint(0, 4, new HashSet<long> { 9 }, RecoveryPoint.None)));
        directory.Set(new PartitionSlot(1, new RecoveryPoint(0, 0, RecoveryPoint.None, RecoveryPoint.None)));
        var stats = new PipelineStats();
        var collector = new OutputCollector(directory, stats);
        var lines = Lines(8);
        using var engine = new AttributionEngine(new EngineOptions { Shards = 2, MultiProducer = true, Wait = WaitKind.Blocking, ClickMemoryBytes = 1 << 20, ConversionMemoryBytes = 1 << 20, IndexBuckets = 1 << 10 }, collector);
        engine.SetSilentUntil(0, 3); // as the partition table does for the rebuild range below the committed offset 4
        engine.SetSilentUntil(1, -1);
        for (int i = 0; i < 16; i++)
        {
            engine.Submit(lines[i], position: i, partition: 0); // conversions at 1, 3, ..., 15
        }
        for (int i = 0; i < 8; i++)
        {
            engine.Submit(lines[i], position: 100 + i, partition: 1); // conversions at 101, 103, 105, 107
        }
        engine.Flush();
        directory.Remove(1);
        for (int i = 8; i < 12; i++)
        {
            engine.Submit(lines[i], position: 100 + i, partition: 1); // 109 and 111, after partition 1 was given up
        }
        engine.Flush();

        var taken = collector.Take();
        var got = Enumerable.Range(0, taken.Count).Select(i => (taken[i].Partition, taken[i].Offset)).ToList();
        Assert.That(got.Where(g => g.Partition == 0).Select(g => g.Offset), Is.EqualTo(new long[] { 5, 7, 11, 13, 15 }),
            "below the committed offset 4: replayed silently; 9: already in the output topic");
        Assert.That(got.Where(g => g.Partition == 1).Select(g => g.Offset), Is.EqualTo(new long[] { 101, 103, 105, 107 }));
        Assert.That(engine.Shards.Sum(s => s.SilencedOutputs), Is.EqualTo(2), "the rebuild range is silenced once, by the engine");
        Assert.That((stats.OutputsAlreadyInKafka, stats.OutputsUnowned), Is.EqualTo((1L, 2L)));
        int first = got.IndexOf((0, 5L));
        Assert.That(Encoding.UTF8.GetString(taken.Key(taken[first])), Is.EqualTo("u2"), "keyed by user_id");
        Assert.That(Encoding.UTF8.GetString(taken.Value(taken[first])), Does.StartWith("{\"event_type\":\"attributed_conversion\",\"conversion_id\":\"v-2\""));
    }
}
