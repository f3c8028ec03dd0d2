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
}
