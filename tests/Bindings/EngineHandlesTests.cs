using Attribution.Engine.Pipeline;
using Attribution.Native;

namespace Attribution.Tests.Bindings;

/// <summary>Handles: only the live handle of an engine finds it; stale, forged and removed handles find nothing.</summary>
public class EngineHandlesTests
{
    private static NativeEngine Open() => new(NativeConfig.Parse("{\"shards\":1,\"click_memory_bytes\":1048576,\"conversion_memory_bytes\":1048576,\"index_buckets\":64}"u8, out _)!);

    [Test]
    public void A_handle_finds_its_engine_until_removed_and_never_a_later_one()
    {
        NativeEngine a = Open();
        nint ha = EngineHandles.Add(a);
        Assert.That(ha, Is.Not.Zero);
        Assert.That(EngineHandles.Find(ha), Is.SameAs(a));
        Assert.That(EngineHandles.Remove(ha), Is.SameAs(a));
        Assert.That(a.Close(), Is.True);
        Assert.That(EngineHandles.Find(ha), Is.Null);
        Assert.That(EngineHandles.Remove(ha), Is.Null, "removing twice");

        NativeEngine b = Open();
        nint hb = EngineHandles.Add(b);
        try
        {
            Assert.That(hb, Is.Not.EqualTo(ha), "every open takes a fresh generation");
            Assert.That(EngineHandles.Find(ha), Is.Null, "the stale handle must not reach the engine now in its slot");
            Assert.That(EngineHandles.Find(hb), Is.SameAs(b));
        }
        finally
        {
            EngineHandles.Remove(hb);
            b.Close();
        }
    }

    [TestCase(0L)]
    [TestCase(1L)]
    [TestCase(0x1234L)]
    [TestCase(-1L)]
    [TestCase(0x7FFF_0000_0000_0001L)]
    [TestCase(unchecked((long)0xA77B_0000_0000_0000UL))]
    [TestCase(unchecked((long)0xA77B_0000_0000_FFFFUL))]
    [TestCase(unchecked((long)0xA77B_FFFF_FFFF_0001UL))]
    public void Forged_handles_find_nothing(long value)
    {
        Assert.That(EngineHandles.Find((nint)value), Is.Null);
        Assert.That(EngineHandles.Remove((nint)value), Is.Null);
    }

    [Test]
    public void Calls_after_close_are_refused_and_close_waits_for_calls_in_flight()
    {
        NativeEngine e = Open();
        Assert.That(e.TryEnter(), Is.True);
        var closing = new Thread(() => e.Close());
        closing.Start();
        Assert.That(closing.Join(200), Is.False, "close must wait for the call in flight");
        e.Exit();
        Assert.That(closing.Join(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(e.TryEnter(), Is.False);
        Assert.That(e.Close(), Is.False, "closing twice");
    }

    [Test]
    public void Second_submitter_is_busy_and_a_command_waits_for_the_submitter()
    {
        NativeEngine e = Open();
        try
        {
            Assert.That(e.EnterSubmit(), Is.EqualTo(AttrStatus.Ok));
            Assert.That(e.EnterSubmit(), Is.EqualTo(AttrStatus.Busy));
            var flush = new Thread(() => e.Flush(TimeSpan.FromSeconds(30)));
            flush.Start();
            Assert.That(flush.Join(200), Is.False, "a flush must not claim the single-producer ring while a submit holds it");
            e.ExitSubmit();
            Assert.That(flush.Join(TimeSpan.FromSeconds(30)), Is.True);
            Assert.That(e.EnterSubmit(), Is.EqualTo(AttrStatus.Ok));
            e.ExitSubmit();
        }
        finally
        {
            e.Close();
        }
    }
}
