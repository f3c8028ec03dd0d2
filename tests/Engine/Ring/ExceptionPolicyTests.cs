using System.Collections.Concurrent;
using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

public class ExceptionPolicyTests
{
    [Test]
    public void Throwing_handler_is_reported_with_its_sequence_and_the_processor_continues()
    {
        const long Events = 20_000;
        var reported = new ConcurrentQueue<HandlerFault>();
        var policy = new RecordAndContinuePolicy(reported.Enqueue);
        using var pipeline = new EventPipeline<TestEvent>(256, ProducerType.Single, new YieldingWaitStrategy(), policy);
        var processors = pipeline.HandleEventsWith("shard", new ThrowingHandler(throwEvery: 97), new ThrowingHandler(throwEvery: 97));
        pipeline.Start();
        RingProducers.PublishOneByOneWithin(pipeline.Ring, Events);
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        long[] expected = [.. Enumerable.Range(0, (int)Events).Where(s => s % 97 == 5).Select(s => (long)s)];
        foreach (var p in processors)
        {
            Assert.That(p.Fault, Is.Null, "the processor did not halt");
            p.Handler.Check.AssertSawAll(Events, p.Name);
            long[] seen = [.. reported.Where(f => f.ProcessorName == p.Name).Select(f => f.Sequence).Order()];
            Assert.That(seen, Is.EqualTo(expected), $"{p.Name}: reported sequences");
        }
        Assert.That(policy.FaultCount, Is.EqualTo(2 * expected.Length));
        HandlerFault any = reported.First();
        Assert.That(any.Hook, Is.EqualTo(HandlerHook.Event));
        Assert.That(any.Exception, Is.TypeOf<InvalidOperationException>());
        Assert.That(any.Exception.Message, Does.Contain($"sequence {any.Sequence}"));
        Assert.That(policy.RecentFaults(), Has.Length.EqualTo(RecordAndContinuePolicy.RecentCapacity));
        Assert.That(pipeline.Fault, Is.Null);
    }

    [Test]
    public void Halt_policy_stops_the_processor_and_surfaces_the_error_to_producer_and_pipeline()
    {
        var reported = new ConcurrentQueue<HandlerFault>();
        using var pipeline = new EventPipeline<TestEvent>(64, ProducerType.Single, new YieldingWaitStrategy(), new HaltOnErrorPolicy(reported.Enqueue));
        var processors = pipeline.HandleEventsWith("shard", new ThrowingHandler(throwAt: 500));
        pipeline.Start();

        Exception? producerError = null;
        long published = 0;
        var threads = new TestThreads();
        threads.Start("producer", () =>
        {
            try
            {
                for (long i = 0; i < 10_000; i++)
                {
                    long seq = pipeline.Ring.Next();
                    pipeline.Ring[seq].Fill(seq, 0, i);
                    pipeline.Ring.Publish(seq);
                    published++;
                }
            }
            catch (ProcessorHaltedException ex)
            {
                producerError = ex;
            }
        });
        threads.JoinAll(TimeSpan.FromSeconds(20));

        var p = processors[0];
        Assert.That(p.Join(TimeSpan.FromSeconds(10)), Is.True, "the processor stopped by itself");
        Assert.That(p.Fault, Is.Not.Null);
        Assert.That(p.Fault!.Sequence, Is.EqualTo(500));
        Assert.That(p.Fault.Hook, Is.EqualTo(HandlerHook.Event));
        Assert.That(p.Sequence.Value, Is.EqualTo(499), "events before the failed one are done; it and later are not");
        Assert.That(p.Handler.Check.Count, Is.EqualTo(501));
        Assert.That(reported.Select(f => f.Sequence), Is.EqualTo(new[] { 500L }));

        Assert.That(producerError, Is.Not.Null, "the producer was told instead of waiting forever");
        Assert.That(producerError!.InnerException, Is.SameAs(p.Fault.Exception));
        Assert.That(producerError.Message, Does.Contain("'shard-0' halted").And.Contain("sequence 500"));
        Assert.That(published, Is.EqualTo(500 + 64), "the producer filled the ring behind the halted consumer");

        Assert.That(pipeline.Fault, Is.SameAs(p.Fault));
        Assert.That(pipeline.Ring.RemainingCapacity, Is.Zero, "the ring stays full behind the halted consumer");
    }

    [Test]
    public void Batch_start_failure_is_reported_and_no_event_is_skipped()
    {
        const long Events = 5_000;
        var policy = new RecordAndContinuePolicy();
        using var pipeline = new EventPipeline<TestEvent>(64, ProducerType.Single, new YieldingWaitStrategy(), policy);
        var processors = pipeline.HandleEventsWith("shard", new ThrowingHandler(throwOnFirstBatchStart: true));
        pipeline.Start();
        RingProducers.PublishOneByOneWithin(pipeline.Ring, Events);
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        processors[0].Handler.Check.AssertSawAll(Events, "shard-0");
        HandlerFault[] faults = policy.RecentFaults();
        Assert.That(faults, Has.Length.EqualTo(1));
        Assert.That(faults[0].Hook, Is.EqualTo(HandlerHook.BatchStart));
        Assert.That(faults[0].Sequence, Is.EqualTo(0));
    }

    [Test]
    public void Start_failure_halts_under_the_halt_policy()
    {
        using var pipeline = new EventPipeline<TestEvent>(64, ProducerType.Single, new YieldingWaitStrategy(), new HaltOnErrorPolicy());
        var processors = pipeline.HandleEventsWith("shard", new ThrowingHandler(throwOnStart: true));
        pipeline.Start();
        Assert.That(processors[0].Join(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(processors[0].Fault?.Hook, Is.EqualTo(HandlerHook.Start));
        Assert.That(processors[0].Fault?.Sequence, Is.EqualTo(-1));
        Assert.That(pipeline.Fault, Is.SameAs(processors[0].Fault));
    }

    [Test]
    public void A_policy_that_throws_halts_the_processor_with_both_errors()
    {
        var policy = new RecordAndContinuePolicy(_ => throw new FormatException("broken reporter"));
        using var pipeline = new EventPipeline<TestEvent>(64, ProducerType.Single, new YieldingWaitStrategy(), policy);
        var processors = pipeline.HandleEventsWith("shard", new ThrowingHandler(throwAt: 3));
        pipeline.Start();
        RingProducers.PublishOneByOne(pipeline.Ring, 0, 10);
        Assert.That(processors[0].Join(TimeSpan.FromSeconds(10)), Is.True, "halted by itself");

        HandlerFault? fault = processors[0].Fault;
        Assert.That(fault, Is.Not.Null);
        Assert.That(fault!.Sequence, Is.EqualTo(3));
        var both = (AggregateException)fault.Exception;
        Assert.That(both.InnerExceptions.Select(e => e.GetType()),
            Is.EqualTo(new[] { typeof(InvalidOperationException), typeof(FormatException) }));
    }

    /// <summary>Counts and checks events like <see cref="OrderCheckHandler"/>, and throws where told.</summary>
    private struct ThrowingHandler : IEventHandler<TestEvent>
    {
        private readonly long _throwEvery;
        private readonly long _throwAt;
        private readonly bool _throwOnStart;
        private bool _throwOnBatchStart;
        public OrderCheckHandler Check = new(1);

        public ThrowingHandler(long throwEvery = 0, long throwAt = -1, bool throwOnStart = false, bool throwOnFirstBatchStart = false)
        {
            _throwEvery = throwEvery;
            _throwAt = throwAt;
            _throwOnStart = throwOnStart;
            _throwOnBatchStart = throwOnFirstBatchStart;
        }

        public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
        {
            Check.OnEvent(ref evt, sequence, endOfBatch);
            if ((_throwEvery > 0 && sequence % _throwEvery == 5) || sequence == _throwAt)
            {
                throw new InvalidOperationException($"handler failed at sequence {sequence}");
            }
        }

        public void OnBatchStart(long batchSize)
        {
            if (_throwOnBatchStart)
            {
                _throwOnBatchStart = false;
                throw new InvalidOperationException("batch start failed");
            }
        }

        public readonly void OnStart()
        {
            if (_throwOnStart)
            {
                throw new InvalidOperationException("start failed");
            }
        }

        public readonly void OnShutdown()
        {
        }
    }
}
