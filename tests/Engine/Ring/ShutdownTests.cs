using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

public class ShutdownTests
{
    [TestCaseSource(typeof(WaitStrategies), nameof(WaitStrategies.Names))]
    public void Drain_handles_every_published_event_before_stopping(string strategy)
    {
        const long Events = 40_000;
        using var release = new ManualResetEventSlim(false);
        using var held = new CountdownEvent(2);
        using var pipeline = new EventPipeline<TestEvent>(65536, ProducerType.Single, WaitStrategies.Create(strategy));
        var first = pipeline.HandleEventsWith("shard", new HeldHandler(release, held), new HeldHandler(release, held));
        pipeline.Start();

        // Event 0 alone is the first batch; the shards are held inside it while the rest is published
        // (the ring holds everything), so the rest can only be handled by later batches, after the drain request.
        RingProducers.PublishOneByOne(pipeline.Ring, 0, 1);
        Assert.That(held.Wait(TimeSpan.FromSeconds(10)), Is.True, "the shards did not reach event 0");
        for (long i = 1; i < Events; i++)
        {
            long seq = pipeline.Ring.Next();
            pipeline.Ring[seq].Fill(seq, 0, i);
            pipeline.Ring.Publish(seq);
        }
        Assert.That(first.Max(p => p.Sequence.Value), Is.LessThan(0), "a held handler moved on");

        bool drained = false;
        var stopper = new Thread(() => drained = pipeline.DrainAndStop(TimeSpan.FromSeconds(30))) { IsBackground = true };
        stopper.Start();
        Thread.Sleep(50); // the drain is requested while nearly all events are unhandled
        release.Set();
        Assert.That(stopper.Join(TimeSpan.FromSeconds(40)), Is.True);
        Assert.That(drained, Is.True);

        foreach (var p in first)
        {
            Assert.That(p.IsRunning, Is.False, p.Name);
            p.Handler.Check.AssertSawAll(Events, p.Name);
            Assert.That(p.Sequence.Value, Is.EqualTo(Events - 1), p.Name);
        }
    }

    [TestCaseSource(typeof(WaitStrategies), nameof(WaitStrategies.Names))]
    public void Halt_stops_an_idle_processor_promptly(string strategy)
    {
        using var pipeline = new EventPipeline<TestEvent>(64, ProducerType.Single, WaitStrategies.Create(strategy));
        var processors = pipeline.HandleEventsWith("idle", new OrderCheckHandler(1), new OrderCheckHandler(1));
        pipeline.Start();
        Thread.Sleep(30);
        Assert.That(pipeline.Halt(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(processors.All(p => !p.IsRunning), Is.True);
        Assert.That(processors.All(p => p.Handler.Shutdowns == 1), Is.True, "OnShutdown runs on halt too");
    }

    [Test]
    public void Halted_processor_handles_nothing_published_after_it_stopped()
    {
        var ring = new RingBuffer<TestEvent>(64);
        var processor = new BatchEventProcessor<TestEvent, OrderCheckHandler>(ring, ring.NewBarrier(), new OrderCheckHandler(1), name: "halted");
        ring.AddGatingSequences(processor.Sequence);
        processor.Start();
        RingProducers.PublishOneByOne(ring, 0, 10);
        SpinWait.SpinUntil(() => processor.Sequence.Value == 9, TimeSpan.FromSeconds(10));
        processor.Halt();
        Assert.That(processor.Join(TimeSpan.FromSeconds(10)), Is.True);

        for (long i = 10; i < 20; i++)
        {
            long seq = ring.Next();
            ring[seq].Fill(seq, 0, i);
            ring.Publish(seq);
        }
        Thread.Sleep(20);
        Assert.That(processor.Handler.Count, Is.EqualTo(10));
        Assert.That(processor.Sequence.Value, Is.EqualTo(9));

        // Started again, it resumes where it stopped.
        processor.Start();
        SpinWait.SpinUntil(() => processor.Sequence.Value == 19, TimeSpan.FromSeconds(10));
        Assert.That(processor.DrainAndStop(TimeSpan.FromSeconds(10)), Is.True);
        processor.Handler.AssertSawAll(20, "halted");
    }

    [Test]
    public void A_running_processor_cannot_be_started_twice()
    {
        var ring = new RingBuffer<TestEvent>(8);
        var processor = new BatchEventProcessor<TestEvent, OrderCheckHandler>(ring, ring.NewBarrier(), new OrderCheckHandler(1), name: "once");
        processor.Start();
        var ex = Assert.Throws<InvalidOperationException>(processor.Start);
        Assert.That(ex!.Message, Does.Contain("'once' is already running"));
        processor.Halt();
        Assert.That(processor.Join(TimeSpan.FromSeconds(10)), Is.True);
    }

    [Test]
    public void Pipeline_rejects_misuse_with_clear_errors()
    {
        using var pipeline = new EventPipeline<TestEvent>(8);
        Assert.That(Assert.Throws<InvalidOperationException>(pipeline.Start)!.Message, Does.Contain("HandleEventsWith"));
        pipeline.HandleEventsWith("a", new OrderCheckHandler(1));
        Assert.Throws<InvalidOperationException>(() => pipeline.HandleEventsWith("b", new OrderCheckHandler(1)));
        pipeline.Start();
        Assert.Throws<InvalidOperationException>(() => pipeline.HandleEventsWith("d", new OrderCheckHandler(1)));
        Assert.Throws<InvalidOperationException>(pipeline.Start);
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(10)), Is.True, "a second stop is a no-op");
    }

    /// <summary>Waits for a signal at its first event, then checks order like <see cref="OrderCheckHandler"/>.</summary>
    private struct HeldHandler(ManualResetEventSlim release, CountdownEvent? arrived) : IEventHandler<TestEvent>
    {
        public OrderCheckHandler Check = new(1);

        public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
        {
            if (sequence == 0)
            {
                arrived?.Signal();
                if (!release.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("never released");
                }
            }
            Check.OnEvent(ref evt, sequence, endOfBatch);
        }

        public void OnBatchStart(long batchSize) => Check.OnBatchStart(batchSize);

        public void OnStart() => Check.OnStart();

        public void OnShutdown() => Check.OnShutdown();
    }
}
