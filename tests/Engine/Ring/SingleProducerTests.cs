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
}
