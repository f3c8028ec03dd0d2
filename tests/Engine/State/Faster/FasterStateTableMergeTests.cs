using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

public class FasterStateTableMergeTests
{
    private static FasterStateTableOptions Options(TempStateDirectory dir, long memory = 16L << 20, int buckets = 1 << 12) => new()
    {
        Directory = dir.Path,
        Name = "merge",
        IndexBuckets = buckets,
        MemoryBytes = memory,
    };

    [Test]
    public void Merge_of_an_absent_key_inserts_the_merged_value_and_counts_it_once()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var merger = new CounterMerger { Delta = 5, Padding = 3 };
        var buffer = new byte[IStateTable.MaxValueBytes];

        table.Merge("k"u8, merger);
        Assert.That(table.Count, Is.EqualTo(1));
        Assert.That(table.Read("k"u8, buffer), Is.EqualTo(11));
        Assert.That(CounterMerger.CounterOf(buffer), Is.EqualTo(5));

        table.Merge("k"u8, merger);
        Assert.That(table.Count, Is.EqualTo(1));
        Assert.That(CounterMerger.CounterOf(buffer.AsSpan(0, table.Read("k"u8, buffer))), Is.EqualTo(10));
    }

    [Test]
    public void Declined_merge_of_an_absent_key_inserts_nothing()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var tail = table.GetStats().LogTailAddress;

        table.Merge("k"u8, new CounterMerger { Delta = 0 });

        Assert.That(table.Count, Is.Zero);
        Assert.That(table.Read("k"u8, new byte[IStateTable.MaxValueBytes]), Is.EqualTo(-1));
        Assert.That(table.GetStats().LogTailAddress, Is.EqualTo(tail), "nothing may be appended to the log");
    }

    [Test]
    public void Declined_merge_keeps_the_stored_value_and_appends_nothing()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var merger = new CounterMerger { Delta = 7 };
        table.Merge("k"u8, merger);
        var tail = table.GetStats().LogTailAddress;

        merger.Delta = 0;
        table.Merge("k"u8, merger);

        var buffer = new byte[IStateTable.MaxValueBytes];
        Assert.That(CounterMerger.CounterOf(buffer.AsSpan(0, table.Read("k"u8, buffer))), Is.EqualTo(7));
        Assert.That(table.Count, Is.EqualTo(1));
        Assert.That(table.GetStats().LogTailAddress, Is.EqualTo(tail));
    }

    [Test]
    public void Same_size_merge_updates_in_place_and_a_resize_appends_a_record()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir));
        var merger = new CounterMerger { Delta = 1, Padding = 40 };
        table.Merge("k"u8, merger);
        var tail = table.GetStats().LogTailAddress;

        for (var i = 0; i < 100; i++)
        {
            table.Merge("k"u8, merger);
        }
        Assert.That(table.GetStats().LogTailAddress, Is.EqualTo(tail), "same-size merges of a mutable record stay in place");

        merger.Padding = 41;
        table.Merge("k"u8, merger);
        Assert.That(table.GetStats().LogTailAddress, Is.GreaterThan(tail), "a value that grows needs a new record");

        var buffer = new byte[IStateTable.MaxValueBytes];
        var n = table.Read("k"u8, buffer);
        Assert.That(n, Is.EqualTo(8 + 41));
        Assert.That(CounterMerger.CounterOf(buffer), Is.EqualTo(102));
        Assert.That(table.Count, Is.EqualTo(1));
    }

    [Test]
    [Category(TestCategories.Slow)]
    public void Merges_reach_records_on_disk_and_keep_an_exact_count()
    {
        const int keys = 60_000;
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(Options(dir, memory: 1L << 20, buckets: 1 << 14));
        var merger = new CounterMerger { Padding = 64 };
        var expected = new long[keys];
        var key = new byte[32];
        for (var i = 0; i < keys; i++)
        {
            merger.Delta = i + 1;
            table.Merge(KeyFor(i, key), merger);
            expected[i] = i + 1;
        }
        var stats = table.GetStats();
        Assert.That(stats.LogHeadAddress, Is.GreaterThan(stats.LogBeginAddress + stats.LogBytes / 2), "most records must be on disk only");

        // Random merges (some declined, some resizing) of keys on disk and in memory alike.
        for (var op = 0; op < 20_000; op++)
        {
            var i = random.Next(keys);
            merger.Delta = random.Next(4) == 0 ? 0 : random.Next(1, 1000);
            merger.Padding = 60 + random.Next(8);
            table.Merge(KeyFor(i, key), merger);
            expected[i] += merger.Delta;
        }

        Assert.That(table.Count, Is.EqualTo(keys));
        var buffer = new byte[IStateTable.MaxValueBytes];
        for (var i = 0; i < keys; i++)
        {
            var n = table.Read(KeyFor(i, key), buffer);
            if (n < 8 || CounterMerger.CounterOf(buffer) != expected[i])
            {
                Assert.Fail($"key {i}: read {n} bytes, counter {(n < 8 ? -1 : CounterMerger.CounterOf(buffer))}, expected {expected[i]} (seed {seed})");
            }
        }
    }

    private static ReadOnlySpan<byte> KeyFor(int i, byte[] buffer)
    {
        var n = Encoding.ASCII.GetBytes($"key-{i:D9}", buffer);
        return buffer.AsSpan(0, n);
    }
}
