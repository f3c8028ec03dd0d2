using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;
using Attribution.Testing.State;
using Attribution.Tests.Support;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>Rules 5 and 6: bounded state by event time, and outputs that depend only on each partition's input.</summary>
public class AttributionExpiryTests
{
    private const long T0 = 1_678_886_400_000;
    private const long Hour = AttributionConfig.HourMs;

    [Test]
    public void Expire_deletes_a_history_whose_newest_click_is_expired_and_keeps_a_partly_expired_one()
    {
        using var d = new CoreDriver(new AttributionConfig { WindowMs = Hour, AllowedLatenessMs = 0 });
        d.Process(SimEvent.Click("c-old", "u1", "k", T0));
        d.Process(SimEvent.Click("c-mixed-1", "u2", "k", T0));
        d.Process(SimEvent.Click("c-mixed-2", "u2", "k", T0 + 30 * 60_000));
        d.Process(SimEvent.Conversion("v-1", "u2", "k", T0 + 30 * 60_000));
        d.Process(SimEvent.Click("c-now", "u3", "k", T0 + Hour + 1)); // horizon T0 + 1: c-old and c-mixed-1 expired
        Assert.That((d.Core.Clicks.Count, d.Core.Conversions.Count), Is.EqualTo((3L, 1L)));

        Assert.That(d.Core.Expire(), Is.EqualTo(1), "only u1's history is entirely expired");
        Assert.That((d.Core.Clicks.Count, d.Core.Conversions.Count), Is.EqualTo((2L, 1L)));
        Assert.That(d.Core.Expire(), Is.EqualTo(0), "expiry is idempotent");

        d.Process(SimEvent.Click("c-later", "u3", "k", T0 + 2 * Hour + 30 * 60_000 + 1)); // conversion retention (1 h) passed too
        Assert.That(d.Core.Expire(), Is.EqualTo(2), "u2's history and the remembered v-1");
        Assert.That((d.Core.Clicks.Count, d.Core.Conversions.Count), Is.EqualTo((1L, 0L)));
    }

    [Test]
    public void Expire_removes_only_expired_entries_and_never_changes_output()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        long removed = 0;
        for (int i = 0; i < 20; i++)
        {
            (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(rng.Next(), 2_000);
            RunResult never = AttributionRun.Core(config, items.Where(e => e.Kind != SimKind.Expire).ToList());
            using var always = new CoreDriver(config) { ExpireAfterEveryItem = true };
            var steps = items.Where(e => e.Kind != SimKind.Expire).Select(always.Apply).ToList();
            Assert.That(steps, Is.EqualTo(never.Steps), $"stream {i}");
            Assert.That(always.Outputs, Is.EqualTo(never.Outputs), $"stream {i}");
            removed += always.Expired;
        }
        Assert.That(removed, Is.GreaterThan(0), "the streams must actually expire state for this test to mean anything");
    }

    [Test]
    public void When_the_core_says_no_entry_can_have_expired_an_expiry_removes_nothing([Values] bool faster)
    {
        // The oracle is the whole sweep itself: whenever ExpiryMayRemove says no, Expire() must remove 0. Between
        // checks, incremental passes run in steps interleaved with the events, so the floors a pass leaves are judged
        // too. Over FASTER a pass visits the log up to its tail when the pass began, as in the engine (the in-memory
        // table sweeps whole in one step).
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        int said = 0, removedWhenMaybe = 0, passes = 0;
        for (int stream = 0; stream < 20; stream++)
        {
            (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(rng.Next(), 3_000);
            if (faster)
            {
                using var dir = new TempStateDirectory();
                using var clicks = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "clicks", IndexBuckets = 1 << 10, MemoryBytes = 4 << 20 });
                using var conversions = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "conversions", IndexBuckets = 1 << 10, MemoryBytes = 4 << 20 });
                CheckFloors(new AttributionCore<FasterStateTable>(config, clicks, conversions), items, rng, seed, stream, ref said, ref removedWhenMaybe, ref passes);
            }
            else
            {
                using var clicks = new InMemoryStateTable();
                using var conversions = new InMemoryStateTable();
                CheckFloors(new AttributionCore<InMemoryStateTable>(config, clicks, conversions), items, rng, seed, stream, ref said, ref removedWhenMaybe, ref passes);
            }
        }
        TestContext.Out.WriteLine($"seed {seed}: 'nothing can have expired' {said} times, 'maybe' then removed {removedWhenMaybe} times, {passes} incremental passes");
        // Both answers, and completed incremental passes, must occur for this test to mean anything.
        Assert.That(said, Is.GreaterThan(0));
        Assert.That(removedWhenMaybe, Is.GreaterThan(0));
        Assert.That(passes, Is.GreaterThan(0));
    }

    private static void CheckFloors<TTable>(AttributionCore<TTable> core, List<SimEvent> items, Random rng, int seed, int stream,
        ref int said, ref int removedWhenMaybe, ref int passes)
        where TTable : class, IStateTable
    {
        var sink = new CollectingSink { Outputs = new List<AttributedOutput>() };
        var record = default(EventRecord);
        bool passActive = false;
        int nextCheck = rng.Next(1, 60);
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i].Kind != SimKind.Click && items[i].Kind != SimKind.Conversion)
            {
                continue;
            }
            if (SimEventDecoders.Direct(items[i], ref record) == RejectReason.None)
            {
                core.Process(ref record, ref sink);
            }
            if (passActive && rng.Next(4) == 0)
            {
                passActive = !core.ExpireStep(6, out _);
                passes += passActive ? 0 : 1;
            }
            if (--nextCheck > 0 || passActive)
            {
                continue;
            }
            nextCheck = rng.Next(1, 60);
            if (!core.ExpiryMayRemove(MaxWatermark(core.Watermarks)))
            {
                said++;
                Assert.That(core.Expire(), Is.Zero, $"stream {stream}, item {i}: the floors said nothing could have expired (seed {seed})");
            }
            else if (rng.Next(2) == 0)
            {
                passActive = !core.ExpireStep(6, out _);
                passes += passActive ? 0 : 1;
            }
            else if (core.Expire() > 0)
            {
                removedWhenMaybe++;
            }
        }
    }

    [Test]
    public void A_core_over_tables_it_did_not_fill_cannot_rule_expiry_out_until_it_has_swept()
    {
        var config = new AttributionConfig { WindowMs = Hour, AllowedLatenessMs = 0 };
        using var d = new CoreDriver(config);
        Assert.That(d.Core.ExpiryMayRemove(T0 + 10 * Hour), Is.False, "empty tables hold nothing to expire");
        d.Process(SimEvent.Click("c-1", "u1", "k", T0));
        Assert.That(d.Core.ExpiryMayRemove(T0 + Hour), Is.False, "the horizon T0 is not past the only click");
        Assert.That(d.Core.ExpiryMayRemove(T0 + Hour + 1), Is.True);

        // A second core over the same (recovered, say) tables knows nothing of what they hold.
        var other = new AttributionCore<InMemoryStateTable>(config, d.Core.Clicks, d.Core.Conversions);
        Assert.That(other.ExpiryMayRemove(T0), Is.True);
        Assert.That(other.Expire(), Is.Zero);
        Assert.That(other.ExpiryMayRemove(T0 + Hour), Is.False, "its first sweep found the click of T0");
    }

    private static long MaxWatermark(PartitionWatermarks watermarks)
    {
        long max = PartitionWatermarks.None;
        for (int p = 0; p < watermarks.Capacity; p++)
        {
            max = Math.Max(max, watermarks.Get(p));
        }
        return max;
    }

    [Test]
    public void Thirty_days_of_event_time_keep_live_state_bounded()
    {
        // One click per simulated minute for a fresh user, a conversion for most of them, 30 days long,
        // physical expiry every simulated hour. Keys are never reused, so only expiry bounds the tables.
        var config = new AttributionConfig();
        using var d = new CoreDriver(config);
        const long Minute = 60_000;
        long horizonMinutes = (config.WindowMs + config.AllowedLatenessMs) / Minute;
        long maxClicks = 0;
        long maxConversions = 0;
        int attributed = 0;
        for (long m = 0; m < 30 * 24 * 60; m++)
        {
            long ts = T0 + m * Minute;
            string user = "u" + m;
            d.Process(SimEvent.Click("c" + m, user, "k", ts));
            if (m % 4 != 0 && d.Process(SimEvent.Conversion("v" + m, user, "k", ts + 5 * Minute)) == AttributionOutcome.Attributed)
            {
                attributed++;
            }
            if (m % 60 == 59)
            {
                d.Core.Expire();
            }
            maxClicks = Math.Max(maxClicks, d.Core.Clicks.Count);
            maxConversions = Math.Max(maxConversions, d.Core.Conversions.Count);
        }
        TestContext.Out.WriteLine($"max live clicks {maxClicks}, conversions {maxConversions}; attributed {attributed}");
        // Live: the last (window + lateness) of keys plus at most one sweep period not yet swept.
        Assert.That(maxClicks, Is.LessThanOrEqualTo(horizonMinutes + 60 + 5));
        Assert.That(maxConversions, Is.LessThanOrEqualTo(horizonMinutes + 60 + 5));
        Assert.That(attributed, Is.EqualTo(30 * 24 * 60 * 3 / 4));
        d.Core.Expire();
        Assert.That(d.Core.Clicks.Count, Is.LessThanOrEqualTo(horizonMinutes + 6));
    }

    [Test]
    public void Same_input_twice_gives_the_same_output()
    {
        int seed = TestSeed.Get();
        (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(seed, 5_000);
        RunResult first = AttributionRun.Core(config, items);
        RunResult second = AttributionRun.Core(config, items);
        Assert.That(first.Outputs, Is.Not.Empty, "a stream that attributes nothing would prove little");
        Assert.That(AttributionRun.Difference(first, second, items), Is.Null);
        Assert.That(second.Outputs, Is.EqualTo(first.Outputs));
    }

    [Test]
    public void Interleaving_partitions_differently_gives_the_same_output_per_partition()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        for (int round = 0; round < 10; round++)
        {
            (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(rng.Next(), 3_000, includeBadLines: false);
            config = config with { Partitions = 4 };
            // Spread events over 4 partitions by user, then interleave the per-partition sequences at random.
            var events = items.Where(e => e.Kind != SimKind.Expire)
                .Select(e => e with { Partition = int.Parse(e.UserId.AsSpan(1), provider: null) % 4 })
                .ToList();
            List<SimEvent> shuffled = Interleave(events, rng);
            Assert.That(shuffled.GroupBy(e => e.Partition).Select(g => g.ToList()),
                Is.EquivalentTo(events.GroupBy(e => e.Partition).Select(g => g.ToList())), "per-partition order preserved");

            RunResult a = AttributionRun.Core(config, events);
            RunResult b = AttributionRun.Core(config, shuffled);
            for (int p = 0; p < 4; p++)
            {
                Assert.That(b.Outputs.Where(o => o.Partition == p), Is.EqualTo(a.Outputs.Where(o => o.Partition == p)), $"round {round}, partition {p}");
            }
            Assert.That(b.OutcomeCounts, Is.EqualTo(a.OutcomeCounts));
        }
    }

    private static List<SimEvent> Interleave(List<SimEvent> events, Random rng)
    {
        var queues = events.GroupBy(e => e.Partition).Select(g => new Queue<SimEvent>(g)).ToList();
        var result = new List<SimEvent>(events.Count);
        while (queues.Count > 0)
        {
            int q = rng.Next(queues.Count);
            result.Add(queues[q].Dequeue());
            if (queues[q].Count == 0)
            {
                queues.RemoveAt(q);
            }
        }
        return result;
    }

    [Test]
    public void DropPartition_removes_that_partition_only_and_forgets_its_watermark()
    {
        using var d = new CoreDriver();
        d.Process(SimEvent.Click("c-1", "u1", "k", T0, partition: 1));
        d.Process(SimEvent.Conversion("v-1", "u1", "k", T0, partition: 1));
        d.Process(SimEvent.Click("c-2", "u1", "k", T0, partition: 2));
        d.Process(SimEvent.Conversion("v-1", "u1", "k", T0, partition: 2));
        d.Process(SimEvent.Click("c-258", "u1", "k", T0, partition: 258)); // 258 = 0x0102: shares a byte with 1 and 2

        Assert.That(d.Core.DropPartition(1), Is.EqualTo(2));
        Assert.That(d.Core.Watermarks.Get(1), Is.EqualTo(PartitionWatermarks.None));
        Assert.That((d.Core.Clicks.Count, d.Core.Conversions.Count), Is.EqualTo((2L, 1L)));
        Assert.That(d.Process(SimEvent.Conversion("v-1", "u1", "k", T0, partition: 1)), Is.EqualTo(AttributionOutcome.NoClick));
        Assert.That(d.Process(SimEvent.Conversion("v-1", "u1", "k", T0, partition: 2)), Is.EqualTo(AttributionOutcome.DuplicateConversion));
        Assert.That(d.Process(SimEvent.Conversion("v-9", "u1", "k", T0, partition: 258)), Is.EqualTo(AttributionOutcome.Attributed));
    }

    [Test]
    public void Restored_watermark_applies_to_the_next_event()
    {
        using var d = new CoreDriver();
        d.Core.Watermarks.Set(7, T0 + 100 * Hour);
        Assert.That(d.Process(SimEvent.Click("c-1", "u", "k", T0, partition: 7)), Is.EqualTo(AttributionOutcome.ClickExpiredOnArrival));
        Assert.That(d.Core.Watermarks.Get(7), Is.EqualTo(T0 + 100 * Hour), "an older event never lowers the watermark");
        d.Core.Watermarks.Set(70_000 % 65_536, T0);
        Assert.That(d.Core.Watermarks.Capacity, Is.GreaterThan(70_000 % 65_536));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Core.Watermarks.Set(65_536, T0));
    }
}
