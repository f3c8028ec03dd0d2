using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>
/// Checks every event it sees: the slot is intact and carries its own sequence, and each producer's
/// counter arrives exactly once and in order (no loss, no duplicate, no reordering).
/// </summary>
internal struct OrderCheckHandler : IEventHandler<TestEvent>
{
    public long[] NextCounter;
    public long Count;
    public long Errors;
    public string? FirstError;
    public long LastSequence;
    public long BatchTotal;
    public int Starts;
    public int Shutdowns;
    public string? ThreadName;

    public OrderCheckHandler(int producers)
    {
        NextCounter = new long[producers];
        LastSequence = -1;
    }

    public void OnEvent(ref TestEvent evt, long sequence, bool endOfBatch)
    {
        Count++;
        if (sequence != LastSequence + 1)
        {
            Fail($"sequence {sequence} after {LastSequence}");
        }
        LastSequence = sequence;
        if (!evt.IsIntact || evt.Sequence != sequence)
        {
            Fail($"slot {sequence} is not intact or holds sequence {evt.Sequence}");
            return;
        }
        if ((uint)evt.Producer >= (uint)NextCounter.Length)
        {
            Fail($"slot {sequence} names producer {evt.Producer}");
            return;
        }
        ref long expected = ref NextCounter[evt.Producer];
        if (evt.Counter != expected)
        {
            Fail($"producer {evt.Producer}: counter {evt.Counter} at sequence {sequence}, expected {expected}");
        }
        expected = evt.Counter + 1;
    }

    public void OnBatchStart(long batchSize) => BatchTotal += batchSize;

    public void OnStart()
    {
        Starts++;
        ThreadName = Thread.CurrentThread.Name;
    }

    public void OnShutdown() => Shutdowns++;

    private void Fail(string what)
    {
        if (Errors++ == 0)
        {
            FirstError = what;
        }
    }

    /// <summary>Asserts the handler saw exactly <paramref name="perProducer"/> events of every producer.</summary>
    public readonly void AssertSawAll(long perProducer, string who)
    {
        Assert.That(FirstError, Is.Null, $"{who}: first error");
        Assert.That(Errors, Is.Zero, $"{who}: errors");
        Assert.That(Count, Is.EqualTo(perProducer * NextCounter.Length), $"{who}: events handled");
        for (int p = 0; p < NextCounter.Length; p++)
        {
            Assert.That(NextCounter[p], Is.EqualTo(perProducer), $"{who}: events of producer {p}");
        }
    }
}
