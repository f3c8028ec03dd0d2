using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

public class BackPressureTests
{
    [TestCase(false)]
    [TestCase(true)]
    public void Producer_never_overwrites_a_slot_a_slow_consumer_has_not_finished(bool multi)
    {
        const int Size = 8;
        const long Events = 20_000;
        int seed = TestSeed.Get();
        using var pipeline = new EventPipeline<TestEvent>(Size, multi ? ProducerType.Multi : ProducerType.Single, new YieldingWaitStrategy());
        var processors = pipeline.HandleEventsWith("slow", new SlowVerifyingHandler(seed));
        Sequence consumed = processors[0].Sequence;
        pipeline.Start();

        long lapViolations = 0;
        var threads = new TestThreads();
        threads.Start("producer", () =>
        {
            for (long i = 0; i < Events; i++)
            {
                long seq = pipeline.Ring.Next();
                // The claimed slot held sequence seq - Size; the consumer must be past it.
                if (seq - consumed.Value > Size)
                {
                    lapViolations++;
                }
                pipeline.Ring[seq].Fill(seq, 0, i);
                pipeline.Ring.Publish(seq);
            }
        });
        threads.JoinAll(TimeSpan.FromSeconds(30));
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True);

        ref SlowVerifyingHandler h = ref processors[0].Handler;
        Assert.That(h.FirstError, Is.Null);
        Assert.That(h.Count, Is.EqualTo(Events));
        Assert.That(h.Overwritten, Is.Zero, "slots changed while the consumer was handling them");
        Assert.That(lapViolations, Is.Zero, "claims more than a ring ahead of the consumer");
        Assert.That(h.BatchesLongerThanOne, Is.GreaterThan(0), "the producer never got ahead, so nothing was tested");
    }

    /// <summary>Takes its time on every event and checks the slot did not change underneath it.</summary>
    private struct SlowVerifyingHandler(int seed) : IEventHandler<TestEvent>
    {
        private readonly Random _rng = new(seed);
        public long Count;
        public long Overwritten;
        public long BatchesLongerThanOne;
        public string? FirstError;

        public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
        {
            TestEvent before = evt;
            if (!before.IsIntact || before.Sequence != sequence || before.Counter != Count)
            {
                FirstError ??= $"slot {sequence} holds sequence {before.Sequence}, counter {before.Counter}, intact {before.IsIntact}";
            }
            Thread.SpinWait(_rng.Next(0, 200));
            if (_rng.Next(500) == 0)
            {
                Thread.Sleep(1); // let the producer fill the ring and push against it
            }
            if (evt.Checksum != before.Checksum || evt.Sequence != before.Sequence)
            {
                Overwritten++;
            }
            Count++;
        }

        public void OnBatchStart(long batchSize)
        {
            if (batchSize > 1)
            {
                BatchesLongerThanOne++;
            }
        }

        public void OnStart()
        {
        }

        public void OnShutdown()
        {
        }
    }
}
