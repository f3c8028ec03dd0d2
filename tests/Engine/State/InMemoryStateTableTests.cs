using Attribution.Testing.State;
using Attribution.Engine.State;

namespace Attribution.Tests.Engine.State;

public class InMemoryStateTableTests
{
    private readonly byte[] _buffer = new byte[IStateTable.MaxValueBytes];

    private struct SelectFirstByte : IStateSweeper
    {
        public byte Value;
        public int Visited;

        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Visited++;
            return key[0] == Value;
        }
    }

    [Test]
    public void Absent_key_reads_as_minus_one()
    {
        using var t = new InMemoryStateTable();
        Assert.That(t.Read("nope"u8, _buffer), Is.EqualTo(-1));
        Assert.That(t.Delete("nope"u8), Is.False);
        Assert.That(t.Count, Is.EqualTo(0));
    }

    [Test]
    public void Upsert_inserts_then_replaces_with_any_length()
    {
        using var t = new InMemoryStateTable();
        t.Upsert("k"u8, "one"u8);
        Assert.That(_buffer.AsSpan(0, t.Read("k"u8, _buffer)).ToArray(), Is.EqualTo("one"u8.ToArray()));
        t.Upsert("k"u8, "two"u8);
        Assert.That(_buffer.AsSpan(0, t.Read("k"u8, _buffer)).ToArray(), Is.EqualTo("two"u8.ToArray()));
        t.Upsert("k"u8, "three"u8);
        Assert.That(_buffer.AsSpan(0, t.Read("k"u8, _buffer)).ToArray(), Is.EqualTo("three"u8.ToArray()));
        t.Upsert("k"u8, ReadOnlySpan<byte>.Empty);
        Assert.That(t.Read("k"u8, _buffer), Is.EqualTo(0));
        Assert.That(t.Count, Is.EqualTo(1));
    }

    [Test]
    public void Keys_compare_by_exact_bytes()
    {
        using var t = new InMemoryStateTable();
        t.Upsert("ab"u8, [1]);
        t.Upsert("abc"u8, [2]);
        t.Upsert("abd"u8, [3]);
        t.Upsert(ReadOnlySpan<byte>.Empty, [4]);
        Assert.That(t.Count, Is.EqualTo(4));
        Assert.That(t.Read("abc"u8, _buffer), Is.EqualTo(1));
        Assert.That(_buffer[0], Is.EqualTo(2));
        Assert.That(t.Read("a"u8, _buffer), Is.EqualTo(-1));
        Assert.That(t.Delete("abd"u8), Is.True);
        Assert.That(t.Read("abd"u8, _buffer), Is.EqualTo(-1));
        Assert.That(t.Read("abc"u8, _buffer), Is.EqualTo(1));
    }

    [Test]
    public void A_stored_value_does_not_alias_the_callers_buffer()
    {
        using var t = new InMemoryStateTable();
        byte[] key = [1, 2, 3];
        byte[] value = [9, 9];
        t.Upsert(key, value);
        key[0] = 7;
        value[0] = 0;
        Assert.That(t.Read([1, 2, 3], _buffer), Is.EqualTo(2));
        Assert.That(_buffer[0], Is.EqualTo(9));
    }

    [Test]
    public void Sweep_visits_every_entry_and_deletes_the_selected_ones()
    {
        using var t = new InMemoryStateTable();
        for (int i = 0; i < 10_000; i++)
        {
            t.Upsert([(byte)(i % 3), (byte)i, (byte)(i >> 8)], [(byte)i]);
        }
        var sweeper = new SelectFirstByte { Value = 1 };
        long removed = t.Sweep(ref sweeper);
        Assert.That(sweeper.Visited, Is.EqualTo(10_000));
        Assert.That(removed, Is.EqualTo(3_333));
        Assert.That(t.Count, Is.EqualTo(10_000 - 3_333));
        Assert.That(t.Read([1, 1, 0], _buffer), Is.EqualTo(-1));
        Assert.That(t.Read([2, 2, 0], _buffer), Is.EqualTo(1));
    }

    [Test]
    public void Oversized_key_or_value_and_short_destination_are_refused()
    {
        using var t = new InMemoryStateTable();
        Assert.Throws<ArgumentException>(() => t.Upsert(new byte[IStateTable.MaxKeyBytes + 1], [1]));
        Assert.Throws<ArgumentException>(() => t.Upsert([1], new byte[IStateTable.MaxValueBytes + 1]));
        t.Upsert([1], new byte[10]);
        Assert.Throws<ArgumentException>(() => t.Read([1], new byte[9]));
        Assert.That(t.Count, Is.EqualTo(1));
    }

    [Test]
    public void Read_delete_and_same_length_upsert_of_existing_keys_allocate_nothing()
    {
        using var t = new InMemoryStateTable();
        byte[][] keys = Enumerable.Range(0, 256).Select(i => new byte[] { (byte)i, 42 }).ToArray();
        byte[] value = new byte[100];
        foreach (byte[] k in keys)
        {
            t.Upsert(k, value);
        }
        Span<byte> key = stackalloc byte[2];
        Exercise(t, key, value, 1_000); // warm up
        long before = AllocationGate.ThreadBytes();
        long found = Exercise(t, key, value, 100_000);
        long allocated = AllocationGate.ThreadBytes() - before;
        AllocationGate.AssertNone(allocated, "100,000 rounds of reads and same-size upserts");
        Assert.That(found, Is.GreaterThan(0));
    }

    private long Exercise(InMemoryStateTable t, Span<byte> key, byte[] value, int rounds)
    {
        long found = 0;
        for (int i = 0; i < rounds; i++)
        {
            key[0] = (byte)i;
            key[1] = 42;
            value[0] = (byte)i;
            t.Upsert(key, value);
            found += t.Read(key, _buffer);
            key[1] = 43; // absent key: a miss must not allocate either
            found += t.Read(key, _buffer) + (t.Delete(key) ? 1 : 0);
        }
        return found;
    }

    [Test]
    public void Comparer_hashes_spans_and_arrays_alike()
    {
        var c = ByteKeyComparer.Instance;
        byte[] a = [1, 2, 3, 4, 5];
        Assert.That(c.GetHashCode(a), Is.EqualTo(c.GetHashCode((ReadOnlySpan<byte>)a)));
        Assert.That(c.Equals((ReadOnlySpan<byte>)a, [1, 2, 3, 4, 5]), Is.True);
        Assert.That(c.Equals(a, [1, 2, 3, 4]), Is.False);
        Assert.That(c.Equals(null, null), Is.True);
        Assert.That(c.Equals(a, null), Is.False);
        Assert.That(c.Create(a), Is.EqualTo(a).And.Not.SameAs(a));
    }
}
