using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

/// <summary><see cref="FasterStateTable.OnDiskBytes"/>: 0 while the table fits its memory, the part past memory once it outgrew it.</summary>
public class FasterStateTableOnDiskBytesTests
{
    [Test]
    public void A_table_within_its_memory_has_nothing_on_disk_only_and_one_past_it_has_at_least_the_excess()
    {
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "ondisk", IndexBuckets = 1 << 12, MemoryBytes = 1L << 20 };
        using var table = FasterStateTable.Create(options);
        var key = new byte[32];
        var value = new byte[IStateTable.MaxValueBytes];

        int i = 0;
        for (; i < 1_000; i++)
        {
            table.Upsert(FasterStateTableSpillTests.KeyFor(i, key), value.AsSpan(0, FasterStateTableSpillTests.ValueFor(i, 0, value)));
        }
        TestContext.Out.WriteLine($"1,000 entries: stored {table.StoredBytes:N0} B, on disk only {table.OnDiskBytes:N0} B");
        Assert.That(table.StoredBytes, Is.LessThan(options.MemoryBytes / 4), "the first entries fit well within memory");
        Assert.That(table.OnDiskBytes, Is.Zero);

        for (; table.StoredBytes < 8 * options.MemoryBytes; i++)
        {
            table.Upsert(FasterStateTableSpillTests.KeyFor(i, key), value.AsSpan(0, FasterStateTableSpillTests.ValueFor(i, 0, value)));
        }
        long stored = table.StoredBytes, onDisk = table.OnDiskBytes;
        TestContext.Out.WriteLine($"{i:N0} entries: stored {stored:N0} B, on disk only {onDisk:N0} B, memory {options.MemoryBytes:N0} B");
        // Memory holds at most its budget of the log, so the rest can only be on disk.
        Assert.That(onDisk, Is.InRange(stored - options.MemoryBytes, stored));
    }
}
