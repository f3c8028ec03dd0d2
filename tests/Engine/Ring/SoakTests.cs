using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>
/// Long runs of the ordering checks, not part of the quick suite. Run with
/// <c>dotnet test tests -c Release --filter "FullyQualifiedName~Ring.SoakTests"</c> (explicit tests run when named by the filter).
/// </summary>
[Explicit("soak: minutes of CPU; run by name")]
public class SoakTests
{
    [TestCase(false, 1, 4, 100_000_000)]
    [TestCase(true, 4, 4, 25_000_000)]
    public void Soak_every_event_arrives_once_and_in_order(bool multi, int producers, int consumers, long perProducer)
    {
        using var pipeline = new EventPipeline<TestEvent>(4096, multi ? ProducerType.Multi : ProducerType.Single, new YieldingWaitStrategy());
        var handlers = new OrderCheckHandler[consumers];
        for (int i = 0; i < consumers; i++)
        {
            handlers[i] = new OrderCheckHandler(producers);
        }
        var first = pipeline.HandleEventsWith("consumer", handlers);
        pipeline.Start();

        var threads = new TestThreads();
        for (int p = 0; p < producers; p++)
        {
            int producer = p;
            threads.Start($"producer-{p}", () => RingProducers.PublishOneByOne(pipeline.Ring, producer, perProducer));
        }
        threads.JoinAll(TimeSpan.FromMinutes(20));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromMinutes(1)), Is.True);
        foreach (var p in first)
        {
            p.Handler.AssertSawAll(perProducer, p.Name);
        }
    }
}
