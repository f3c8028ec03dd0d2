using System.Text;
using Attribution.Engine.Pipeline;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>A shard that falls far behind the ring still delivers its attributions in bounded batches.</summary>
public class OutputBatchBoundTests
{
    private sealed class BlockingOutput : IEngineOutput, IDisposable
    {
        public readonly ManualResetEventSlim FirstDelivery = new();
        public readonly ManualResetEventSlim Release = new();
        public int Batches;
        public int Total;
        public int LargestCount;
        public int LargestBytes;

        public void Deliver(OutputBatch batch)
        {
            FirstDelivery.Set();
            Release.Wait();
            Batches++;
            Total += batch.Count;
            LargestCount = Math.Max(LargestCount, batch.Count);
            LargestBytes = Math.Max(LargestBytes, batch.Length);
        }

        public void Dispose()
        {
            FirstDelivery.Dispose();
            Release.Dispose();
        }
    }

    [Test]
    public void A_backlog_of_thousands_of_attributions_is_delivered_in_bounded_batches()
    {
        const int pairs = 8000;
        const long t0 = 1_678_886_400_000;
        using var output = new BlockingOutput();
        using var engine = new AttributionEngine(new EngineOptions { Shards = 1, RingSize = 1 << 15, Wait = WaitKind.Blocking, ClickMemoryBytes = 1 << 22, ConversionMemoryBytes = 1 << 22, IndexBuckets = 1 << 12 }, output);
        byte[] Click(int i) => Encoding.UTF8.GetBytes($"{{\"event_type\":\"click\",\"event_id\":\"c-{i}\",\"user_id\":\"u{i}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{t0 + i}}}");
        byte[] Conversion(int i) => Encoding.UTF8.GetBytes($"{{\"event_type\":\"conversion\",\"event_id\":\"v-{i}\",\"user_id\":\"u{i}\",\"campaign_id\":\"k\",\"value\":2.5,\"timestamp\":{t0 + i + 1}}}");

        engine.Submit(Click(0), 0, 0);
        engine.Submit(Conversion(0), 1, 0);
        Assert.That(output.FirstDelivery.Wait(TimeSpan.FromSeconds(30)), "the first attribution reaches the output");
        // The shard thread is now held inside Deliver; everything below piles up in the ring.
        for (int i = 1; i < pairs; i++)
        {
            engine.Submit(Click(i), 2L * i, 0);
            engine.Submit(Conversion(i), 2L * i + 1, 0);
        }
        output.Release.Set();
        engine.Flush();

        TestContext.Out.WriteLine($"{output.Total} attributions in {output.Batches} batches; largest {output.LargestCount} entries, {output.LargestBytes} B");
        Assert.That(output.Total, Is.EqualTo(pairs), "every conversion attributed and delivered");
        Assert.That(output.LargestCount, Is.LessThanOrEqualTo(1024), "a batch holds at most 1024 attributions");
        Assert.That(output.LargestBytes, Is.LessThanOrEqualTo(256 * 1024), "a batch stays within its initial 256 KiB buffer");
        Assert.That(output.Batches, Is.GreaterThanOrEqualTo(pairs / 1024), "the backlog went out in several batches");
    }
}
