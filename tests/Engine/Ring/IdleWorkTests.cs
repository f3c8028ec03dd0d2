using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>A handler's own deferred work runs only while its ring is empty, and never keeps an event waiting for long.</summary>
[Category(TestCategories.Slow)]
public class IdleWorkTests
{
    [Test]
    public void Idle_work_runs_between_bursts_and_every_event_is_still_handled_once_and_in_order()
    {
        const long Events = 200_000;
        const int Work = 50_000;
        using var pipeline = new EventPipeline<TestEvent>(1024, ProducerType.Single, new YieldingWaitStrategy());
        var handler = new IdleHandler(Work);
        var processors = pipeline.HandleEventsWith("idle-worker", handler);
        pipeline.Start();

        // Bursts with pauses between them, so the ring runs empty many times while there is idle work left.
        long sequence = 0;
        for (int burst = 0; sequence < Events; burst++)
        {
            for (int i = 0; i < 1_000 && sequence < Events; i++, sequence++)
            {
                long s = pipeline.Ring.Next();
                pipeline.Ring[s].Fill(s, 0, s);
                pipeline.Ring.Publish(s);
            }
            Thread.SpinWait(2_000);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref handler.WorkDone) < Work && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(5);
        }
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True, "drain timed out");

        TestContext.Out.WriteLine($"{handler.WorkDone} pieces of idle work, {handler.Events} events, {handler.EventsAtFirstIdle} events handled at the first idle call");
        Assert.That(handler.Events, Is.EqualTo(Events));
        Assert.That(handler.OutOfOrder, Is.Zero);
        Assert.That(handler.WorkDone, Is.EqualTo(Work), "all the idle work was done once the events stopped");
        Assert.That(processors[0].Sequence.Value, Is.EqualTo(Events - 1));
    }

    [Test]
    public void Events_published_while_the_handler_was_busy_are_all_handled_before_its_next_idle_work()
    {
        const int Events = 1_000;
        using var pipeline = new EventPipeline<TestEvent>(1024, ProducerType.Single, new YieldingWaitStrategy());
        using var gate = new ManualResetEventSlim(false);
        var handler = new IdleHandler(work: 1_000_000) { HoldFirstEvent = gate };
        pipeline.HandleEventsWith("idle-worker", handler);
        pipeline.Start();
        // The handler holds the first event until the other 999 are published, so they wait in the ring.
        for (int i = 0; i < Events; i++)
        {
            long s = pipeline.Ring.Next();
            pipeline.Ring[s].Fill(s, 0, s);
            pipeline.Ring.Publish(s);
        }
        gate.Set();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref handler.EventsAtFirstIdle) < 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(5);
        }
        Assert.That(pipeline.DrainAndStop(TimeSpan.FromSeconds(30)), Is.True, "drain timed out");
        TestContext.Out.WriteLine($"{handler.WorkDone} pieces of idle work, {handler.EventsAtFirstIdle} events handled at the first idle call after the first event");
        Assert.That(handler.Events, Is.EqualTo(Events));
        Assert.That(handler.EventsAtFirstIdle, Is.EqualTo(Events), "idle work started while published events were waiting");
    }

    private sealed class IdleHandler(int work) : IEventHandler<TestEvent>, IIdleWorkHandler
    {
        private long _handled = -1;
        public long Events;
        public long OutOfOrder;
        public int WorkDone;
        public long EventsAtFirstIdle = -1;
        public ManualResetEventSlim? HoldFirstEvent;

        public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
        {
            if (evt.Sequence != sequence || sequence != _handled + 1)
            {
                OutOfOrder++;
            }
            _handled = sequence;
            Events++;
            if (Events == 1)
            {
                HoldFirstEvent?.Wait(TimeSpan.FromSeconds(30));
            }
        }

        public bool OnIdle()
        {
            if (WorkDone >= work)
            {
                return false;
            }
            if (EventsAtFirstIdle < 0 && Events > 0)
            {
                EventsAtFirstIdle = Events;
            }
            Volatile.Write(ref WorkDone, WorkDone + 1);
            return true;
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
