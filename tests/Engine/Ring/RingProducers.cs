using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>Producer loops shared by the ring tests.</summary>
internal static class RingProducers
{
    /// <summary>Publishes <paramref name="count"/> events for <paramref name="producer"/>, one claim at a time.</summary>
    public static void PublishOneByOne(RingBuffer<TestEvent> ring, int producer, long count)
    {
        for (long i = 0; i < count; i++)
        {
            long seq = ring.Next();
            ring[seq].Fill(seq, producer, i);
            ring.Publish(seq);
        }
    }

    /// <summary>Publishes one by one on a background thread and waits for it, failing (not hanging) after <paramref name="seconds"/>.</summary>
    public static void PublishOneByOneWithin(RingBuffer<TestEvent> ring, long count, int seconds = 30)
    {
        var threads = new TestThreads();
        threads.Start("producer", () => PublishOneByOne(ring, 0, count));
        threads.JoinAll(TimeSpan.FromSeconds(seconds));
    }

    /// <summary>Publishes in claims of 1..<paramref name="maxBatch"/> slots (random sizes from <paramref name="seed"/>).</summary>
    public static void PublishInBatches(RingBuffer<TestEvent> ring, int producer, long count, int maxBatch, int seed)
    {
        var rng = new Random(seed);
        long i = 0;
        while (i < count)
        {
            int n = (int)Math.Min(rng.Next(1, maxBatch + 1), count - i);
            long hi = ring.Next(n);
            long lo = hi - n + 1;
            for (long s = lo; s <= hi; s++)
            {
                ring[s].Fill(s, producer, i++);
            }
            ring.Publish(lo, hi);
        }
    }
}
