using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>State on FASTER through the whole engine: bounded by event time, correct beyond its memory budget.</summary>
[Category(TestCategories.Slow)]
public class EngineStateBoundsTests
{
    private const long T0 = 1_700_000_000_000;
    private const long Minute = 60_000;

    private static byte[] Click(string id, string user, string campaign, long ts)
        => CodecSimEventDecoders.Render(SimEvent.Click(id, user, campaign, ts, ad: "ad-" + campaign, source: "facebook"));

    private static byte[] Conversion(string id, string user, string campaign, long ts)
        => CodecSimEventDecoders.Render(SimEvent.Conversion(id, user, campaign, ts, value: "19.99"));

    [Test]
    public void Thirty_days_of_event_time_keep_live_entries_and_the_state_log_bounded()
    {
        // Every simulated minute 10 fresh users click and 7 of them convert: 432,000 clicks over 30 days.
        // With a 1 h window and 1 h lateness, at most ~2 h (+ one sweep cadence) of state may be live.
        var config = new AttributionConfig { WindowMs = 60 * Minute, AllowedLatenessMs = 60 * Minute, Partitions = 8 };
        var output = new CollectingOutputCounter();
        var options = new EngineOptions
        {
            Attribution = config,
            Shards = 2,
            RingSize = 1024,
            ClickMemoryBytes = 4 << 20,
            ConversionMemoryBytes = 2 << 20,
            IndexBuckets = 1 << 12,
            ExpireEveryEvents = 500, // ≈ 1 h of this traffic per shard
        };
        using var engine = new AttributionEngine(options, output);
        long maxClicks = 0, maxConversions = 0, maxLogBytes = 0, position = 0;
        var samples = new List<string>();
        for (long m = 0; m < 30 * 24 * 60; m++)
        {
            long ts = T0 + m * Minute;
            for (int i = 0; i < 10; i++)
            {
                string user = $"u-{m}-{i}";
                engine.Submit(Click($"c-{m}-{i}", user, "k", ts), position++);
                if (i < 7)
                {
                    engine.Submit(Conversion($"v-{m}-{i}", user, "k", ts + Minute / 2), position++);
                }
            }
            if (m % (24 * 60) == 24 * 60 - 1)
            {
                engine.Flush();
                var (clicks, conversions) = engine.StateCounts();
                long logBytes = engine.Shards.Sum(s => s.Core.Clicks.GetStats().LogBytes + s.Core.Conversions.GetStats().LogBytes);
                maxClicks = Math.Max(maxClicks, clicks);
                maxConversions = Math.Max(maxConversions, conversions);
                if (m > 2 * 24 * 60)
                {
                    maxLogBytes = Math.Max(maxLogBytes, logBytes); // after the first days' growth to steady state
                }
                samples.Add($"day {m / (24 * 60) + 1}: clicks {clicks}, conversion ids {conversions}, log {logBytes / 1024} KiB");
            }
        }
        engine.Flush();
        foreach (var s in samples)
        {
            TestContext.Out.WriteLine(s);
        }
        var counters = engine.GetCounters();
        Assert.Multiple(() =>
        {
            Assert.That(counters.Outcome(AttributionOutcome.Attributed), Is.EqualTo(30L * 24 * 60 * 7));
            // Live entries: ~2 h of traffic plus one sweep cadence (500 events per shard ≈ 1 h): well under 4 h worth.
            Assert.That(maxClicks, Is.LessThan(4 * 60 * 10));
            Assert.That(maxConversions, Is.LessThan(4 * 60 * 7));
            // 432,000 clicks ≈ 60 MB of records went through; the live log stays a few MiB per table.
            Assert.That(maxLogBytes, Is.LessThan(64L << 20));
        });
    }

    [Test]
    public void State_far_beyond_the_memory_budget_spills_to_disk_and_stays_correct()
    {
        // 60,000 (user, campaign) click histories with upstream-sized ids (~10 MB of records) in 1 MiB of
        // memory per table: most reads of the conversions below go to disk.
        var config = new AttributionConfig { Partitions = 16 };
        var items = new List<SimEvent>();
        var rng = new Random(TestSeed.Get());
        const int users = 60_000;
        for (int u = 0; u < users; u++)
        {
            items.Add(SimEvent.Click(Guid.NewGuid().ToString(), $"{u:D8}-aaaa-bbbb-cccc-{u:D12}", "camp-" + (u % 50), T0 + u, ad: "ad-" + (u % 97)));
        }
        for (int u = 0; u < users; u++)
        {
            int user = rng.Next(users);
            items.Add(SimEvent.Conversion(Guid.NewGuid().ToString(), $"{user:D8}-aaaa-bbbb-cccc-{user:D12}", "camp-" + (user % 50), T0 + users + u));
        }
        for (int i = 0; i < items.Count; i++)
        {
            // Partition as the engine would compute it, so the reference groups the same way.
            items[i] = items[i] with { Partition = ReferencePartitioner.Partition(items[i].UserId, config.Partitions) };
        }
        RunResult expected = AttributionRun.Reference(config, items, guarded: true);

        var output = new CollectingOutput();
        var options = new EngineOptions
        {
            Attribution = config,
            Shards = 2,
            ClickMemoryBytes = 1 << 20,
            ConversionMemoryBytes = 1 << 20,
            IndexBuckets = 1 << 12,
        };
        FasterStateTableStats stats;
        using (var engine = new AttributionEngine(options, output))
        {
            for (int i = 0; i < items.Count; i++)
            {
                engine.Submit(CodecSimEventDecoders.Render(items[i]), i, items[i].Partition);
            }
            engine.Flush();
            stats = engine.Shards[0].Core.Clicks.GetStats();
            Assert.That(engine.FaultCount, Is.Zero);
        }
        TestContext.Out.WriteLine($"shard 0 click log: {stats.LogBytes / 1024} KiB, of which in memory {stats.LogMemoryBytes / 1024} KiB; attributions {output.Items.Count}");
        Assert.That(stats.LogBytes, Is.GreaterThan(3 * stats.LogMemoryBytes), "the state must really exceed memory");
        var actual = output.Items.Select(x => x.Output).OrderBy(o => o.ConversionId, StringComparer.Ordinal).ToList();
        var wanted = expected.Outputs.OrderBy(o => o.ConversionId, StringComparer.Ordinal).ToList();
        Assert.That(actual, Is.EqualTo(wanted));
        Assert.That(actual, Has.Count.EqualTo(users));
    }

    private sealed class CollectingOutputCounter : IEngineOutput
    {
        public long Count;

        public void Deliver(OutputBatch batch) => Interlocked.Add(ref Count, batch.Count);
    }
}
