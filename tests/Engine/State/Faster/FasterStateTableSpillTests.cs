using System.Diagnostics;
using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

[Category(TestCategories.Slow)]
public class FasterStateTableSpillTests
{
    [Test]
    public void Table_far_larger_than_memory_reads_updates_and_deletes_across_the_disk_boundary()
    {
        const int entries = 200_000;
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions
        {
            Directory = dir.Path,
            Name = "spill",
            IndexBuckets = 1 << 15,
            MemoryBytes = 1L << 20, // 16 pages of 64 KiB
        };
        using var table = FasterStateTable.Create(options);
        var clock = Stopwatch.StartNew();

        var key = new byte[32];
        var value = new byte[IStateTable.MaxValueBytes];
        for (var i = 0; i < entries; i++)
        {
            var n = ValueFor(i, 0, value);
            table.Upsert(KeyFor(i, key), value.AsSpan(0, n));
        }
        var stats = table.GetStats();
        TestContext.Out.WriteLine($"loaded {entries} in {clock.ElapsedMilliseconds} ms: {stats}");
        Assert.That(table.Count, Is.EqualTo(entries));
        Assert.That(stats.LogBytes, Is.GreaterThan(16 * options.MemoryBytes), "the log must be far larger than memory");
        Assert.That(stats.LogHeadAddress, Is.GreaterThan(stats.LogBeginAddress + stats.LogBytes / 2), "most records must be on disk only");

        var buffer = new byte[IStateTable.MaxValueBytes];
        var expected = new byte[IStateTable.MaxValueBytes];
        clock.Restart();
        for (var i = 0; i < entries; i++)
        {
            var n = table.Read(KeyFor(i, key), buffer);
            var e = ValueFor(i, 0, expected);
            if (n != e || !buffer.AsSpan(0, n).SequenceEqual(expected.AsSpan(0, e)))
            {
                Assert.Fail($"entry {i}: read {n} bytes, expected {e}");
            }
        }
        TestContext.Out.WriteLine($"read all back in {clock.ElapsedMilliseconds} ms");

        // Update (changing sizes) and delete random entries, on disk and in memory alike.
        var version = new int[entries];
        var deleted = new bool[entries];
        var live = (long)entries;
        clock.Restart();
        for (var op = 0; op < 20_000; op++)
        {
            var i = random.Next(entries);
            if (random.Next(3) == 0)
            {
                var existed = table.Delete(KeyFor(i, key));
                Assert.That(existed, Is.EqualTo(!deleted[i]), $"delete {i}");
                if (!deleted[i])
                {
                    live--;
                }
                deleted[i] = true;
            }
            else
            {
                if (deleted[i])
                {
                    live++;
                }
                deleted[i] = false;
                version[i]++;
                var n = ValueFor(i, version[i], value);
                table.Upsert(KeyFor(i, key), value.AsSpan(0, n));
            }
        }
        TestContext.Out.WriteLine($"20000 updates/deletes in {clock.ElapsedMilliseconds} ms");
        Assert.That(table.Count, Is.EqualTo(live));

        for (var i = 0; i < entries; i += 7)
        {
            var n = table.Read(KeyFor(i, key), buffer);
            if (deleted[i])
            {
                Assert.That(n, Is.EqualTo(-1), $"deleted entry {i}");
                continue;
            }
            var e = ValueFor(i, version[i], expected);
            if (n != e || !buffer.AsSpan(0, n).SequenceEqual(expected.AsSpan(0, e)))
            {
                Assert.Fail($"entry {i} v{version[i]}: read {n} bytes, expected {e}");
            }
        }
    }

    internal static ReadOnlySpan<byte> KeyFor(int i, byte[] buffer)
    {
        var n = Encoding.ASCII.GetBytes($"key-{i:D9}", buffer);
        return buffer.AsSpan(0, n);
    }

    // About 80 bytes, size varying with the version so updates move records.
    internal static int ValueFor(int i, int version, byte[] buffer)
    {
        var length = 70 + (i + version * 7) % 21;
        for (var j = 0; j < length; j++)
        {
            buffer[j] = (byte)(i * 31 + j * 7 + version * 13);
        }
        return length;
    }
}
