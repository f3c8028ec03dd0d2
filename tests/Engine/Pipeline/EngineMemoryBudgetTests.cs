using Attribution.Engine.Pipeline;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>The engine's state tables hold their whole memory budget from the start, so no event waits for a new log page.</summary>
public class EngineMemoryBudgetTests
{
    [Test]
    public void A_new_engine_has_allocated_every_table_its_whole_memory_budget_before_the_first_event()
    {
        var options = new EngineOptions { Shards = 2, ClickMemoryBytes = 4L << 20, ConversionMemoryBytes = 2L << 20, IndexBuckets = 1 << 10 };
        using var engine = new AttributionEngine(options, new DiscardingOutput());
        engine.Flush();
        foreach (ShardHandler shard in engine.Shards)
        {
            long clicks = shard.Core.Clicks.GetStats().LogMemoryBytes;
            long conversions = shard.Core.Conversions.GetStats().LogMemoryBytes;
            TestContext.Out.WriteLine($"shard {shard.Index}: click log memory {clicks:N0} B, conversion log memory {conversions:N0} B");
            // Page by page, an empty table holds two pages (of 1/16 of its budget here), not its budget.
            Assert.That(clicks, Is.EqualTo(options.ClickMemoryBytes), $"shard {shard.Index} clicks");
            Assert.That(conversions, Is.EqualTo(options.ConversionMemoryBytes), $"shard {shard.Index} conversions");
        }
    }

    private sealed class DiscardingOutput : IEngineOutput
    {
        public void Deliver(OutputBatch batch)
        {
        }
    }
}
