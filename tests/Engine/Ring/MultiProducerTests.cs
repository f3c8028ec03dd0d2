using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

[Category(TestCategories.Slow)]
public class MultiProducerTests
{
    [TestCase(2, 1)]
    [TestCase(3, 2)]
    [TestCase(4, 2)]
    public void Each_producers_events_arrive_once_and_in_its_order(int producers, int consumers)
    {
        const long PerProducer = 600_000;
        using var pipeline = new EventPipeline<TestEvent>(1024, ProducerType.Multi, new YieldingWaitStrategy());
        var handlers = new OrderCheckHandler[consumers];
        for (int i = 0; i < consumers; i++)
        {
            handlers[i] = new OrderCheckHandler(producers);
        }
        var processors = pipeline.HandleEventsWith("consumer", handlers);
        pipeline.Start();

        var threads = new TestThreads();
        for (int p = 0; p < producers; p++)
        {
            int producer = p;
            threads.Start($"producer-{p}", () => RingProducers.PublishOneByOne(pipeline.Ring, producer, PerProducer));
        }
        threads.JoinAll(TimeSpan.FromSeconds(40));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        foreach (var p in processors)
        {
            p.Handler.AssertSawAll(PerProducer, p.Name);
            Assert.That(p.Sequence.Value, Is.EqualTo(PerProducer * producers - 1));
        }
    }
}
