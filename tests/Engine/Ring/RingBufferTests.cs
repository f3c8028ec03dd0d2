using System.Runtime.CompilerServices;
using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

public class RingBufferTests
{
    [TestCase(3)]
    [TestCase(6)]
    [TestCase(1000)]
    [TestCase(1025)]
    public void Ring_size_that_is_not_a_power_of_two_is_rejected_with_a_clear_message(int size)
    {
        foreach (ProducerType type in new[] { ProducerType.Single, ProducerType.Multi })
        {
            var ex = Assert.Throws<ArgumentException>(() => _ = new RingBuffer<TestEvent>(size, type));
            Assert.That(ex!.Message, Does.Contain("must be a power of two"));
            Assert.That(ex.Message, Does.Contain($"got {size}"));
            Assert.That(ex.ParamName, Is.EqualTo("bufferSize"));
        }
        Assert.Throws<ArgumentException>(() => _ = new SingleProducerSequencer(size, new YieldingWaitStrategy()));
        Assert.Throws<ArgumentException>(() => _ = new MultiProducerSequencer(size, new YieldingWaitStrategy()));
    }

    [Test]
    public void Power_of_two_message_suggests_the_neighbouring_sizes()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new RingBuffer<TestEvent>(1000));
        Assert.That(ex!.Message, Does.Contain("Use 512 or 1024"));
    }

    [TestCase(0)]
    [TestCase(-8)]
    [TestCase(int.MinValue)]
    public void Ring_size_below_one_is_rejected(int size)
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new RingBuffer<TestEvent>(size));
        Assert.That(ex!.Message, Does.Contain("at least 1"));
    }

    [Test]
    public void Ring_size_above_two_to_the_thirty_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = new RingBuffer<TestEvent>(int.MaxValue));
        Assert.That(ex!.Message, Does.Contain("at most"));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(1024)]
    public void Power_of_two_sizes_are_accepted(int size)
    {
        var ring = new RingBuffer<TestEvent>(size, ProducerType.Multi);
        Assert.That(ring.BufferSize, Is.EqualTo(size));
        Assert.That(ring.RemainingCapacity, Is.EqualTo(size));
    }

    [Test]
    public void Slots_are_reused_every_lap()
    {
        var ring = new RingBuffer<TestEvent>(8);
        Assert.That(Unsafe.AreSame(ref ring[3], ref ring[11]), Is.True);
        Assert.That(Unsafe.AreSame(ref ring[3], ref ring[4]), Is.False);
        ring[5].Counter = 77;
        Assert.That(ring[13].Counter, Is.EqualTo(77));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Claims_are_consecutive(bool multi)
    {
        var ring = new RingBuffer<TestEvent>(16, multi ? ProducerType.Multi : ProducerType.Single);
        ring.AddGatingSequences(new Sequence());
        Assert.That(ring.Next(), Is.EqualTo(0));
        Assert.That(ring.Next(), Is.EqualTo(1));
        Assert.That(ring.Next(), Is.EqualTo(2));
    }

    [Test]
    public void Multi_producer_consumer_sees_only_the_contiguous_published_run()
    {
        var ring = new RingBuffer<TestEvent>(8, ProducerType.Multi);
        ring.AddGatingSequences(new Sequence());
        SequenceBarrier barrier = ring.NewBarrier();
        long a = ring.Next();
        long b = ring.Next();
        ring.Publish(b);

        Assert.That(ring.Sequencer.IsAvailable(b), Is.True);
        Assert.That(ring.Sequencer.IsAvailable(a), Is.False);
        Assert.That(ring.Sequencer.GetHighestPublishedSequence(a, b), Is.EqualTo(a - 1));

        long seen = long.MinValue;
        var waiter = new Thread(() => seen = barrier.WaitFor(a)) { IsBackground = true };
        waiter.Start();
        Assert.That(waiter.Join(100), Is.False, "the barrier returned while slot a was claimed but unpublished");

        ring.Publish(a);
        Assert.That(waiter.Join(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(seen, Is.EqualTo(b), "once a is published, a and b come as one batch");
    }

    [Test]
    public void Multi_producer_availability_distinguishes_laps()
    {
        var ring = new RingBuffer<TestEvent>(4, ProducerType.Multi);
        var consumer = new Sequence();
        ring.AddGatingSequences(consumer);
        long hi = -1;
        for (int i = 0; i < 4; i++)
        {
            hi = ring.Next();
            ring.Publish(hi);
        }
        consumer.Value = hi;
        long nextLap = ring.Next();
        Assert.That(nextLap, Is.EqualTo(4));
        Assert.That(ring.Sequencer.IsAvailable(nextLap), Is.False, "slot 0 still holds lap 0; sequence 4 is lap 1");
        Assert.That(ring.Sequencer.IsAvailable(0), Is.True);
        ring.Publish(nextLap);
        Assert.That(ring.Sequencer.IsAvailable(nextLap), Is.True);
        Assert.That(ring.Sequencer.IsAvailable(0), Is.False, "sequence 0 was overwritten");
    }

    [Test]
    public void Barrier_alert_makes_a_waiting_consumer_return_below_the_requested_sequence()
    {
        var ring = new RingBuffer<TestEvent>(8, ProducerType.Single, new BlockingWaitStrategy());
        SequenceBarrier barrier = ring.NewBarrier();
        long seen = long.MaxValue;
        var waiter = new Thread(() => seen = barrier.WaitFor(0)) { IsBackground = true };
        waiter.Start();
        Assert.That(waiter.Join(50), Is.False);
        barrier.Alert();
        Assert.That(waiter.Join(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(seen, Is.EqualTo(-1));
        Assert.That(barrier.IsAlerted, Is.True);
    }

    [Test]
    public void Barrier_from_another_ring_is_rejected()
    {
        var ring = new RingBuffer<TestEvent>(8);
        var other = new RingBuffer<TestEvent>(8);
        Assert.Throws<ArgumentException>(() => _ = new BatchEventProcessor<TestEvent, OrderCheckHandler>(ring, other.NewBarrier(), new OrderCheckHandler(1)));
    }

    [Test]
    public void Sequence_compare_and_set_only_swaps_the_expected_value()
    {
        var s = new Sequence(5);
        Assert.That(s.CompareAndSet(4, 9), Is.False);
        Assert.That(s.Value, Is.EqualTo(5));
        Assert.That(s.CompareAndSet(5, 9), Is.True);
        Assert.That(s.Value, Is.EqualTo(9));
        Assert.That(s.AddAndGet(3), Is.EqualTo(12));
    }
}
