using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

public class FasterStateTableBasicTests
{
    private static FasterStateTableOptions Options(TempStateDirectory dir, long memory = 16L << 20) => new()
    {
        Directory = dir.Path,
        Name = "basic",
        IndexBuckets = 1 << 12,
        MemoryBytes = memory,
    };

    [Test]
    public void Upsert_then_read_returns_the_value_and_counts_once()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var buffer = new byte[IStateTable.MaxValueBytes];

        Assert.That(table.Read("k1"u8, buffer), Is.EqualTo(-1));
        table.Upsert("k1"u8, "hello"u8);
        Assert.That(table.Count, Is.EqualTo(1));
        var n = table.Read("k1"u8, buffer);
        Assert.That(Encoding.UTF8.GetString(buffer, 0, n), Is.EqualTo("hello"));

        table.Upsert("k1"u8, "world"u8);            // same size: in place
        Assert.That(table.Count, Is.EqualTo(1));
        n = table.Read("k1"u8, buffer);
        Assert.That(Encoding.UTF8.GetString(buffer, 0, n), Is.EqualTo("world"));

        table.Upsert("k1"u8, "a longer value"u8);   // grows: new record
        table.Upsert("k1"u8, "ab"u8);               // shrinks: new record
        Assert.That(table.Count, Is.EqualTo(1));
        n = table.Read("k1"u8, buffer);
        Assert.That(Encoding.UTF8.GetString(buffer, 0, n), Is.EqualTo("ab"));

        table.Upsert("k1"u8, ReadOnlySpan<byte>.Empty);
        Assert.That(table.Read("k1"u8, buffer), Is.EqualTo(0));
        Assert.That(table.Count, Is.EqualTo(1));
    }

    [Test]
    public void Delete_removes_and_reports_absence()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var buffer = new byte[IStateTable.MaxValueBytes];
        table.Upsert("a"u8, "1"u8);
        table.Upsert("b"u8, "2"u8);

        Assert.That(table.Delete("a"u8), Is.True);
        Assert.That(table.Delete("a"u8), Is.False);
        Assert.That(table.Delete("never"u8), Is.False);
        Assert.That(table.Count, Is.EqualTo(1));
        Assert.That(table.Read("a"u8, buffer), Is.EqualTo(-1));
        Assert.That(table.Read("b"u8, buffer), Is.EqualTo(1));

        table.Upsert("a"u8, "3"u8);                 // re-insert after delete counts again
        Assert.That(table.Count, Is.EqualTo(2));
        Assert.That(table.Read("a"u8, buffer), Is.EqualTo(1));
        Assert.That(buffer[0], Is.EqualTo((byte)'3'));
    }

    [Test]
    public void Largest_key_and_value_round_trip_and_oversize_is_refused()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var key = new byte[IStateTable.MaxKeyBytes];
        var value = new byte[IStateTable.MaxValueBytes];
        new Random(7).NextBytes(key);
        new Random(8).NextBytes(value);
        table.Upsert(key, value);
        var buffer = new byte[IStateTable.MaxValueBytes];
        Assert.That(table.Read(key, buffer), Is.EqualTo(value.Length));
        Assert.That(buffer, Is.EqualTo(value));

        Assert.Throws<ArgumentException>(() => table.Upsert(new byte[IStateTable.MaxKeyBytes + 1], "v"u8));
        Assert.Throws<ArgumentException>(() => table.Upsert("k"u8, new byte[IStateTable.MaxValueBytes + 1]));
        Assert.Throws<ArgumentException>(() => table.Upsert(ReadOnlySpan<byte>.Empty, "v"u8));
        var small = new byte[10];
        var ex = Assert.Throws<ArgumentException>(() => table.Read(key, small));
        Assert.That(ex!.Message, Does.Contain("2048"));
        Assert.That(table.Count, Is.EqualTo(1));
    }

    [TestCase(0L, "MemoryBytes")]
    [TestCase(100_000L, "MemoryBytes")]
    public void Too_small_memory_budget_is_refused_with_a_sentence(long memory, string setting)
    {
        using var dir = new TempStateDirectory();
        var options = Options(dir, memory);
        var ex = Assert.Throws<ArgumentException>(() => FasterStateTable.Create(options));
        Assert.That(ex!.Message, Does.Contain(setting));
        TestContext.Out.WriteLine(ex.Message);
    }

    [Test]
    public void Bad_index_size_name_and_fractions_are_refused()
    {
        using var dir = new TempStateDirectory();
        Assert.Throws<ArgumentException>(() => new FasterStateTableOptions { Directory = dir.Path, IndexBuckets = 1000 }.Validate());
        Assert.Throws<ArgumentException>(() => new FasterStateTableOptions { Directory = dir.Path, IndexBuckets = 32 }.Validate());
        Assert.Throws<ArgumentException>(() => new FasterStateTableOptions { Directory = dir.Path, Name = "../x" }.Validate());
        Assert.Throws<ArgumentException>(() => new FasterStateTableOptions { Directory = dir.Path, MutableFraction = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new FasterStateTableOptions { Directory = dir.Path, CompactionTrigger = 1.0 }.Validate());
        Assert.DoesNotThrow(() => new FasterStateTableOptions { Directory = dir.Path }.Validate());
    }

    [Test]
    public void Page_and_segment_sizes_derive_from_the_memory_budget()
    {
        var tiny = new FasterStateTableOptions { Directory = "x", MemoryBytes = 1L << 20 };
        Assert.That((tiny.MemoryBits, tiny.PageBits, tiny.SegmentBits), Is.EqualTo((20, 16, 19)));
        var big = new FasterStateTableOptions { Directory = "x", MemoryBytes = 3L << 30 }; // rounds down to 2 GiB
        Assert.That((big.MemoryBits, big.PageBits, big.SegmentBits), Is.EqualTo((31, 22, 28)));
    }

    [Test]
    public void Record_size_matches_the_documented_layout()
    {
        // Click entry with upstream-sized ids: 49-byte key, 64-byte value.
        Assert.That(FasterStateTable.RecordBytes(49, 64), Is.EqualTo(8 + 56 + 72));
        Assert.That(FasterStateTable.RecordBytes(4, 4), Is.EqualTo(8 + 8 + 8));
        Assert.That(FasterStateTable.RecordBytes(5, 0), Is.EqualTo(8 + 16 + 8));
    }

    [Test]
    public void Dispose_with_delete_removes_the_table_folder()
    {
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "gone", DeleteOnDispose = true, IndexBuckets = 1 << 10, MemoryBytes = 1 << 20 };
        var table = FasterStateTable.Create(options);
        table.Upsert("k"u8, "v"u8);
        Assert.That(Directory.Exists(options.TableDirectory), Is.True);
        table.Dispose();
        Assert.That(Directory.Exists(options.TableDirectory), Is.False);
        Assert.Throws<ObjectDisposedException>(() => table.Upsert("k"u8, "v"u8));
    }
}
