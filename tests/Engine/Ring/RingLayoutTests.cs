using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

public class RingLayoutTests
{
    // Same shape as any object's field area: a ref to Data is a ref to the object's first field byte.
    private sealed class RawObject
    {
        public byte Data;
    }

    [Test]
    public void Padding_constant_is_a_power_of_two_cache_line()
    {
        Assert.That(Padding.CacheLine, Is.GreaterThanOrEqualTo(64));
        Assert.That(Padding.CacheLine & (Padding.CacheLine - 1), Is.Zero);
    }

    [Test]
    public void Padded_long_has_a_cache_line_on_each_side_of_its_value()
    {
        Assert.That(Marshal.OffsetOf<PaddedLong>(nameof(PaddedLong.Value)).ToInt32(), Is.EqualTo(Padding.CacheLine));
        Assert.That(Unsafe.SizeOf<PaddedLong>(), Is.EqualTo(Padding.CacheLine + sizeof(long) + Padding.CacheLine));

        var padded = new PaddedLong();
        long managedOffset = Unsafe.ByteOffset(ref Unsafe.As<PaddedLong, byte>(ref padded), ref Unsafe.As<long, byte>(ref padded.Value));
        Assert.That(managedOffset, Is.EqualTo(Padding.CacheLine));
    }

    [Test]
    public void Sequence_value_sits_a_cache_line_into_the_object_and_is_its_only_field()
    {
        var sequence = new Sequence(42);
        ref byte fields = ref Unsafe.As<RawObject>(sequence).Data;
        long offset = Unsafe.ByteOffset(ref fields, ref Unsafe.As<long, byte>(ref sequence.ValueRef));
        Assert.That(offset, Is.EqualTo(Padding.CacheLine));
        Assert.That(Unsafe.Add(ref Unsafe.As<byte, long>(ref fields), Padding.CacheLine / sizeof(long)), Is.EqualTo(42));

        var instanceFields = typeof(Sequence).GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public);
        Assert.That(instanceFields.Select(f => f.FieldType), Is.EqualTo(new[] { typeof(PaddedLong) }));
    }

    [Test]
    public void Producer_position_keeps_both_counters_between_cache_line_pads()
    {
        Assert.That(Marshal.OffsetOf<ProducerPosition>(nameof(ProducerPosition.Claimed)).ToInt32(), Is.EqualTo(Padding.CacheLine));
        Assert.That(Marshal.OffsetOf<ProducerPosition>(nameof(ProducerPosition.CachedGate)).ToInt32(), Is.EqualTo(Padding.CacheLine + sizeof(long)));
        Assert.That(Unsafe.SizeOf<ProducerPosition>(), Is.EqualTo(Padding.CacheLine + 2 * sizeof(long) + Padding.CacheLine));
    }
}
