using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

[Category(TestCategories.Slow)]
public class AllocationTests
{
    private const long WarmUp = 300_000;
    private const long Measured = 1_000_000;

    [TestCase(false, "yielding")]
    [TestCase(false, "busy-spin")]
    [TestCase(false, "blocking")]
    [TestCase(true, "yielding")]
    [TestCase(true, "blocking")]
    public void Publishing_and_consuming_allocate_nothing_per_event_after_warm_up(bool multi, string strategy)
    {
        using var pipeline = new EventPipeline<TestEvent>(1024, multi ? ProducerType.Multi : ProducerType.Single, WaitStrategies.Create(strategy));
        var processors = pipeline.HandleEventsWith("probe", new AllocationProbe(WarmUp, WarmUp + Measured - 1));
        pipeline.Start();

        long producerBytes = -1;
        var threads = new TestThreads();
        threads.Start("producer", () =>
        {
            var ring = pipeline.Ring;
            Publish(ring, 0, WarmUp);
            long before = AllocationGate.ThreadBytes();
            Publish(ring, WarmUp, WarmUp + Measured);
            producerBytes = AllocationGate.ThreadBytes() - before;
        });
        threads.JoinAll(TimeSpan.FromSeconds(30));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        ref AllocationProbe probe = ref processors[0].Handler;
        TestContext.Out.WriteLine($"producer {producerBytes} B, consumer {probe.Bytes} B over {Measured} events");
        Assert.That(probe.Count, Is.EqualTo(WarmUp + Measured));
        Assert.That(probe.Bytes, Is.Not.Negative, "the consumer probe did not run");
        AllocationGate.AssertNone(producerBytes, $"the publishing thread, {Measured:N0} events");
        AllocationGate.AssertNone(probe.Bytes, $"the consuming thread, {Measured:N0} events");
    }

    private static void Publish(RingBuffer<TestEvent> ring, long from, long to)
    {
        for (long i = from; i < to; i++)
        {
            long seq = ring.Next();
            ring[seq].Fill(seq, 0, i);
            ring.Publish(seq);
        }
    }

    /// <summary>Reads the consumer thread's allocation counter at two given sequences.</summary>
    private struct AllocationProbe(long from, long to) : IEventHandler<TestEvent>
    {
        private long _before;
        public long Count;
        public long Bytes = -1;
        public long Sum;

        public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
        {
            if (sequence == from)
            {
                _before = AllocationGate.ThreadBytes();
            }
            Sum += evt.Counter;
            Count++;
            if (sequence == to)
            {
                Bytes = AllocationGate.ThreadBytes() - _before;
            }
        }

        public void OnBatchStart(long batchSize)
        {
        }

        public void OnStart()
        {
        }

        public void OnShutdown()
        {
        }
    }
}
