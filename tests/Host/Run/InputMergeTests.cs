using System.Text;
using Attribution.Engine.Events;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The re-key stage's event-time merge of its input partitions (<see cref="InputMerge"/>): a partition's order is
/// kept, the smallest head goes first, a partition that may have more holds the others back for at most the idle
/// limit, rejected records go at once, and nothing allocates once the queues have grown.
/// </summary>
public class InputMergeTests
{
    private static readonly Func<int, bool> Nothing = _ => false;

    [Test]
    public void Heads_go_in_event_time_order_and_each_partition_keeps_its_own_order()
    {
        var merge = new InputMerge();
        merge.Open(0);
        merge.Open(1);
        Add(merge, 0, offset: 0, time: 10);
        Add(merge, 0, offset: 1, time: 40);
        Add(merge, 0, offset: 2, time: 20); // late within its partition: still after offset 1
        Add(merge, 1, offset: 0, time: 15);
        Add(merge, 1, offset: 1, time: 30);

        var order = Drain(merge, 0, Nothing);

        Assert.That(order, Is.EqualTo(new[] { (0, 0L), (1, 0L), (1, 1L), (0, 1L), (0, 2L) }));
    }

    [Test]
    public void A_partition_that_may_have_more_holds_the_others_back_until_the_idle_limit()
    {
        var merge = new InputMerge();
        merge.Open(0);
        merge.Open(1);
        Add(merge, 0, offset: 0, time: 10);
        Func<int, bool> oneHasMore = p => p == 1;

        Assert.That(merge.Next(1_000, oneHasMore), Is.EqualTo(-1), "partition 1 may hold an earlier event");
        Assert.That(merge.Next(1_000 + InputMerge.IdleLimitMs - 1, oneHasMore), Is.EqualTo(-1), "still within the idle limit");
        Assert.That(merge.Next(1_000 + InputMerge.IdleLimitMs, oneHasMore), Is.Zero, "waited long enough");
        Assert.That(merge.Next(1_000, Nothing), Is.Zero, "nothing more to read: no wait");
    }

    [Test]
    public void A_rejected_record_goes_at_once_without_waiting()
    {
        var merge = new InputMerge();
        merge.Open(0);
        merge.Open(1);
        var rejected = new InputMerge.Entry { Offset = 0, OrderKey = long.MinValue, Reason = RejectReason.InvalidJson };
        merge.Add(0, rejected, default, default, "{"u8);

        Assert.That(merge.Next(0, p => p == 1), Is.Zero);
        Assert.That(merge.Head(0).Reason, Is.EqualTo(RejectReason.InvalidJson));
        Assert.That(Encoding.UTF8.GetString(merge.Bytes(0, merge.Head(0).ValueStart, merge.Head(0).ValueLength)), Is.EqualTo("{"));
    }

    [Test]
    public void A_full_queue_asks_for_a_pause_and_a_half_empty_one_for_a_resume()
    {
        var merge = new InputMerge();
        merge.Open(0);
        bool pause = false;
        for (int i = 0; i < InputMerge.QueueLimit && !pause; i++)
        {
            pause = Add(merge, 0, offset: i, time: i);
        }
        Assert.That(pause, Is.True);
        merge.SetPaused(0, true);
        bool resume = false;
        int popped = 0;
        while (!resume)
        {
            Assert.That(merge.Next(0, Nothing), Is.Zero);
            resume = merge.Pop(0);
            popped++;
        }
        Assert.That(popped, Is.EqualTo(InputMerge.QueueLimit - InputMerge.QueueLimit / 2));
    }

    [Test]
    public void A_long_backlog_through_one_queue_keeps_its_bytes_and_allocates_nothing_once_grown()
    {
        var merge = new InputMerge();
        merge.Open(0);
        merge.Open(1);
        byte[] user = "user-0123456789"u8.ToArray();
        byte[] value = new byte[300];
        long offset = 0;
        void AddNext()
        {
            value[0] = (byte)offset;
            merge.Add(0, new InputMerge.Entry { Offset = offset, OrderKey = offset }, default, user, value);
            offset++;
        }
        void Step()
        {
            // A queue that never empties (1,500 records stay queued) must compact instead of growing.
            for (int i = 0; i < 8; i++)
            {
                AddNext();
            }
            for (int i = 0; i < 8; i++)
            {
                if (merge.Next(0, Nothing) != 0)
                {
                    Assert.Fail("partition 0 has a head and nothing holds it back");
                }
                ref readonly var head = ref merge.Head(0);
                if (merge.Bytes(0, head.ValueStart, head.ValueLength)[0] != (byte)head.Offset)
                {
                    Assert.Fail($"offset {head.Offset}: its bytes moved");
                }
                merge.Pop(0);
            }
        }
        for (int i = 0; i < 1_500; i++)
        {
            AddNext();
        }
        for (int i = 0; i < 2_000; i++)
        {
            Step();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++)
        {
            Step();
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, "bytes allocated over 160,000 records in steady state");
    }

    private static bool Add(InputMerge merge, int partition, long offset, long time) =>
        merge.Add(partition, new InputMerge.Entry { Offset = offset, OrderKey = time }, default, "u"u8, "{}"u8);

    private static List<(int, long)> Drain(InputMerge merge, long now, Func<int, bool> mayHaveMore)
    {
        var order = new List<(int, long)>();
        int p;
        while ((p = merge.Next(now, mayHaveMore)) >= 0)
        {
            order.Add((p, merge.Head(p).Offset));
            merge.Pop(p);
        }
        return order;
    }
}
