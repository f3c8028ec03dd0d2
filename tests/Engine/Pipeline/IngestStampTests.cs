using System.Diagnostics;
using System.Text;
using Attribution.Engine.Pipeline;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>The latency stamp an output carries is its conversion's own Submit time (the engine stamps conversions only).</summary>
public class IngestStampTests
{
    [Test]
    public void Attributed_output_carries_the_time_its_conversion_was_submitted()
    {
        var output = new StampOutput();
        long beforeConversion, afterConversion;
        using (var engine = new AttributionEngine(new EngineOptions { Shards = 1, ClickMemoryBytes = 1 << 20, ConversionMemoryBytes = 1 << 20, IndexBuckets = 64 }, output))
        {
            engine.Submit(Encoding.UTF8.GetBytes(
                """{"event_type":"click","event_id":"c-1","user_id":"u-1","campaign_id":"k","ad_id":"a","source":"s","timestamp":1000}"""), position: 0, partition: 0);
            Thread.Sleep(20); // a stamp taken for the click (or reused from it) would be at least this much early
            beforeConversion = Stopwatch.GetTimestamp();
            engine.Submit(Encoding.UTF8.GetBytes(
                """{"event_type":"conversion","event_id":"v-1","user_id":"u-1","campaign_id":"k","timestamp":2000}"""), position: 1, partition: 0);
            afterConversion = Stopwatch.GetTimestamp();
            engine.Flush();
        }
        Assert.That(output.Stamps, Has.Count.EqualTo(1));
        Assert.That(output.Stamps[0], Is.InRange(beforeConversion, afterConversion));
    }

    private sealed class StampOutput : IEngineOutput
    {
        public List<long> Stamps { get; } = new();

        public void Deliver(OutputBatch batch)
        {
            lock (Stamps)
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    Stamps.Add(batch.Entry(i).IngestTicks);
                }
            }
        }
    }
}
