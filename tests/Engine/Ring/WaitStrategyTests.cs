using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

[Category(TestCategories.Slow)]
public class WaitStrategyTests
{
    [Test, Combinatorial]
    public void Stress_two_consumers_lose_nothing(
        [ValueSource(typeof(WaitStrategies), nameof(WaitStrategies.Names))] string strategy,
        [Values] bool multi)
    {
        int producers = multi ? 2 : 1;
        // Busy-spinning consumers never give up their core; on a shared 2-core machine a smaller run keeps the test quick.
        long total = strategy == "busy-spin" ? 100_000 : 300_000;
        long perProducer = total / producers;
        using var pipeline = new EventPipeline<TestEvent>(1024, multi ? ProducerType.Multi : ProducerType.Single, WaitStrategies.Create(strategy));
        var first = pipeline.HandleEventsWith("consumer", new OrderCheckHandler(producers), new OrderCheckHandler(producers));
        pipeline.Start();

        var threads = new TestThreads();
        for (int p = 0; p < producers; p++)
        {
            int producer = p;
            threads.Start($"producer-{p}", () => RingProducers.PublishOneByOne(pipeline.Ring, producer, perProducer));
        }
        threads.JoinAll(TimeSpan.FromSeconds(30));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        foreach (var p in first)
        {
            p.Handler.AssertSawAll(perProducer, p.Name);
        }
    }

    [TestCaseSource(typeof(WaitStrategies), nameof(WaitStrategies.Names))]
    public void A_consumer_waiting_for_events_wakes_for_a_late_publish(string strategy)
    {
        using var pipeline = new EventPipeline<TestEvent>(16, ProducerType.Single, WaitStrategies.Create(strategy));
        var processors = pipeline.HandleEventsWith("consumer", new OrderCheckHandler(1));
        pipeline.Start();
        Thread.Sleep(30); // long enough for every strategy to reach its deepest wait (sleep or monitor)

        long seq = pipeline.Ring.Next();
        pipeline.Ring[seq].Fill(seq, 0, 0);
        pipeline.Ring.Publish(seq);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (processors[0].Sequence.Value < seq && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }
        Assert.That(processors[0].Sequence.Value, Is.EqualTo(seq), "the waiting consumer did not see the publish");
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(10)), Is.True);
        processors[0].Handler.AssertSawAll(1, "consumer");
    }
}
