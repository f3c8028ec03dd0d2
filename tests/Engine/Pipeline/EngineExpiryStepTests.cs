using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>Physical expiry inside the engine runs in small steps between events, never as one scan of the whole state.</summary>
[Category(TestCategories.Slow)]
public class EngineExpiryStepTests
{
    private const long T0 = 1_700_000_000_000;
    private const long Hour = 3_600_000;

    private static byte[] Click(string id, string user, long ts)
        => CodecSimEventDecoders.Render(SimEvent.Click(id, user, "k", ts, ad: "ad-k", source: "facebook"));

    // One shard, one partition, a 1 h window and 1 h lateness.
    private static EngineOptions Options(long expireEvery) => new()
    {
        Attribution = new AttributionConfig { WindowMs = Hour, AllowedLatenessMs = Hour, Partitions = 1 },
        Shards = 1,
        RingSize = 1024,
        ClickMemoryBytes = 8 << 20,
        ConversionMemoryBytes = 1 << 20,
        IndexBuckets = 1 << 12,
        ExpireEveryEvents = expireEvery,
    };

    [Test]
    public void Expiry_of_a_large_state_is_spread_over_the_following_events_when_the_shard_is_never_idle()
    {
        const int old = 5_000;
        using var engine = new AttributionEngine(Options(expireEvery: 2_000), new DiscardingOutput()); // a pass is cut into 2000 / 2 / 8 steps of at least 16 KiB
        ShardHandler shard = engine.Shards[0];
        // A test cannot keep the ring from running empty, so the idle steps are switched off here (the next test has them).
        shard.ExpireWhenIdle = false;
        long position = 0;
        for (int i = 0; i < old; i++)
        {
            engine.Submit(Click($"c-{i}", $"old-{i}", T0), position++);
        }
        engine.Flush();
        Assert.That(shard.Expired, Is.Zero);

        // One click 3 h later puts every earlier click past the 2 h horizon and starts an expiry pass.
        engine.Submit(Click("c-late-0", "late-0", T0 + 3 * Hour), position++);
        engine.Flush();
        long afterOne = shard.Expired;
        TestContext.Out.WriteLine($"expired after the first late event: {afterOne} of {old}");
        Assert.That(afterOne, Is.LessThan(old / 4), "the event that starts a pass pays for one small step, not the whole state");

        // Further events carry the pass on, step by step, until everything expired is gone (a pass is spread over at
        // most four event cadences).
        for (int i = 1; i < 4 * 2_000 && shard.Expired < old; i++)
        {
            engine.Submit(Click($"c-late-{i}", $"late-{i}", T0 + 3 * Hour), position++);
            if (i % 100 == 0)
            {
                engine.Flush();
            }
        }
        engine.Flush();
        Assert.That(shard.Expired, Is.EqualTo(old));
        Assert.That(engine.StateCounts().Clicks, Is.EqualTo(position - old));
        Assert.That(shard.IdleExpirySteps, Is.Zero);
    }

    [Test]
    public void A_pass_goes_on_in_small_steps_while_the_ring_is_empty_and_ends_without_further_events()
    {
        const int old = 5_000;
        using var engine = new AttributionEngine(Options(expireEvery: 2_000), new DiscardingOutput());
        ShardHandler shard = engine.Shards[0];
        long position = 0;
        for (int i = 0; i < old; i++)
        {
            engine.Submit(Click($"c-{i}", $"old-{i}", T0), position++);
        }
        engine.Flush();
        Assert.That((shard.Sweeps, shard.Expired), Is.EqualTo((0L, 0L)));

        // One click 3 h later starts a pass; no event follows it.
        engine.Submit(Click("c-late-0", "late-0", T0 + 3 * Hour), position++);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (shard.Sweeps == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(10);
        }
        engine.Flush();
        TestContext.Out.WriteLine($"pass ended after {clock.ElapsedMilliseconds} ms with {shard.IdleExpirySteps} idle steps");
        Assert.That(shard.Sweeps, Is.EqualTo(1L), "the pass ended in the ring's idle time");
        Assert.That(shard.Expired, Is.EqualTo(old));
        Assert.That(engine.StateCounts().Clicks, Is.EqualTo(1L));
        // 5,000 records of ~150 B are about 46 steps of 16 KiB: the pass was not one scan.
        Assert.That(shard.IdleExpirySteps, Is.GreaterThanOrEqualTo(10L));
    }

    [Test]
    public void No_expiry_pass_reads_the_state_while_nothing_in_it_can_have_expired()
    {
        using var engine = new AttributionEngine(Options(expireEvery: 500), new DiscardingOutput());
        long position = 0;
        // 5,000 clicks over 100 minutes: ten times the event-count cadence, but the 2 h horizon is never passed.
        for (int i = 0; i < 5_000; i++)
        {
            engine.Submit(Click($"c-{i}", $"u-{i}", T0 + i * 1_200L), position++);
        }
        engine.Flush();
        ShardHandler shard = engine.Shards[0];
        Assert.That((shard.Sweeps, shard.Expired), Is.EqualTo((0L, 0L)), "a pass over state that cannot expire yet would only read it");

        // 2 h 10 min after the first click: the clicks of the first ten minutes are past the horizon, and a pass removes them.
        for (int i = 0; i < 2_000 && shard.Sweeps == 0; i++)
        {
            engine.Submit(Click($"c-late-{i}", $"late-{i}", T0 + 130 * 60_000L), position++);
        }
        engine.Flush();
        Assert.That(shard.Sweeps, Is.EqualTo(1L));
        Assert.That(shard.Expired, Is.EqualTo(500L), "the clicks of T0 to T0 + 10 min (one every 1.2 s) are below T0 + 10 min, the horizon");
    }

    private sealed class DiscardingOutput : IEngineOutput
    {
        public void Deliver(OutputBatch batch)
        {
        }
    }
}
