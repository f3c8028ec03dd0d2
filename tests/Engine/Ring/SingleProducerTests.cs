using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

[Category(TestCategories.Slow)]
public class SingleProducerTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(4)]
    public void Every_event_reaches_each_of_N_consumers_once_and_in_order(int consumers)
    {
        // 4M events per case, 12M over the three; a small ring so the producer laps it thousands of times.
        const long Events = 4_000_000;
        using var pipeline = new EventPipeline<TestEvent>(1024, ProducerType.Single, new YieldingWaitStrategy());
        var handlers = new OrderCheckHandler[consumers];
        for (int i = 0; i < consumers; i++)
        {
            handlers[i] = new OrderCheckHandler(producers: 1);
        }
        var processors = pipeline.HandleEventsWith("consumer", handlers);
        pipeline.Start();

        var threads = new TestThreads();
        threads.Start("producer", () => RingProducers.PublishOneByOne(pipeline.Ring, 0, Events));
        threads.JoinAll(TimeSpan.FromSeconds(40));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True, "drain timed out");

        foreach (var p in processors)
        {
            ref OrderCheckHandler h = ref p.Handler;
            h.AssertSawAll(Events, p.Name);
            Assert.That(h.BatchTotal, Is.EqualTo(Events), "batch sizes add up to the events");
            Assert.That((h.Starts, h.Shutdowns), Is.EqualTo((1, 1)));
            Assert.That(h.ThreadName, Is.EqualTo(p.Name), "runs on its own named thread");
            Assert.That(p.Sequence.Value, Is.EqualTo(Events - 1));
        }
    }

    [Test]
    public void Batch_claims_are_delivered_like_single_claims()
    {
        const long Events = 1_000_000;
        int seed = TestSeed.Get();
        using var pipeline = new EventPipeline<TestEvent>(256, ProducerType.Single, new YieldingWaitStrategy());
        var processors = pipeline.HandleEventsWith("consumer", new OrderCheckHandler(1), new OrderCheckHandler(1));
        pipeline.Start();

        var threads = new TestThreads();
        threads.Start("producer", () => RingProducers.PublishInBatches(pipeline.Ring, 0, Events, maxBatch: 64, seed));
        threads.JoinAll(TimeSpan.FromSeconds(30));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);
        foreach (var p in processors)
        {
            p.Handler.AssertSawAll(Events, p.Name);
        }
    }

    [Test]
    public void Chained_stage_sees_an_event_only_after_every_first_stage_consumer_handled_it()
    {
        const long Events = 1_000_000;
        using var pipeline = new EventPipeline<TestEvent>(512, ProducerType.Single, new YieldingWaitStrategy());
        var first = pipeline.HandleEventsWith("shard", new OrderCheckHandler(1), new OrderCheckHandler(1), new OrderCheckHandler(1));
        var gate = new StageOrderHandler([.. first.Select(p => p.Sequence)]);
        var second = pipeline.Then("sink", gate);
        pipeline.Start();

        var threads = new TestThreads();
        threads.Start("producer", () => RingProducers.PublishOneByOne(pipeline.Ring, 0, Events));
        threads.JoinAll(TimeSpan.FromSeconds(30));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        foreach (var p in first)
        {
            p.Handler.AssertSawAll(Events, p.Name);
        }
        Assert.That(gate.Count, Is.EqualTo(Events));
        Assert.That(gate.EarlyEvents, Is.Zero, "events the sink saw before a shard was done with them");
        Assert.That(second[0].Sequence.Value, Is.EqualTo(Events - 1));
    }

    /// <summary>Second-stage handler that checks every first-stage consumer is past the event it gets.</summary>
    private sealed class StageOrderHandler(Sequence[] upstream) : IEventHandler<TestEvent>
    {
        public long Count;
        public long EarlyEvents;

        public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
        {
            Count++;
            foreach (Sequence s in upstream)
            {
                if (s.Value < sequence)
                {
                    EarlyEvents++;
                }
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
