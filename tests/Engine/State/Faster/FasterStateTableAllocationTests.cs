using System.Buffers.Binary;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

public class FasterStateTableAllocationTests
{
    [Test]
    public void Steady_state_reads_upserts_and_misses_allocate_nothing()
    {
        const int keys = 10_000;
        const int operations = 1_000_000;
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(new FasterStateTableOptions
        {
            Directory = dir.Path,
            Name = "alloc",
            IndexBuckets = 1 << 12,
            MemoryBytes = 32L << 20, // everything stays in memory
        });
        var key = new byte[16];
        var value = new byte[64];
        var buffer = new byte[IStateTable.MaxValueBytes];
        for (var i = 0; i < keys; i++)
        {
            table.Upsert(Key(key, i), value);
        }

        long checksum = 0;
        checksum += Run(table, key, value, buffer, 100_000); // warm-up: JIT, tiering, FASTER's pools
        var before = AllocationGate.ThreadBytes();
        checksum += Run(table, key, value, buffer, operations);
        var allocated = AllocationGate.ThreadBytes() - before;

        TestContext.Out.WriteLine($"{operations} mixed operations allocated {allocated} bytes (checksum {checksum})");
        AllocationGate.AssertNone(allocated, $"{operations} mixed operations");
        Assert.That(table.Count, Is.EqualTo(keys));
        Assert.That(checksum, Is.GreaterThan(0));
    }

    [Test]
    public void Steady_state_merges_allocate_nothing()
    {
        const int keys = 10_000;
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(new FasterStateTableOptions
        {
            Directory = dir.Path,
            Name = "alloc-merge",
            IndexBuckets = 1 << 12,
            MemoryBytes = 32L << 20, // everything stays in memory
        });
        var key = new byte[16];
        var merger = new CounterMerger { Padding = 56 };
        for (var i = 0; i < keys; i++)
        {
            table.Merge(Key(key, i), merger);
        }

        Merge(table, key, merger, 100_000); // warm-up: JIT, tiering, FASTER's pools
        var before = AllocationGate.ThreadBytes();
        Merge(table, key, merger, 1_000_000);
        var allocated = AllocationGate.ThreadBytes() - before;

        TestContext.Out.WriteLine($"1000000 merges allocated {allocated} bytes");
        AllocationGate.AssertNone(allocated, "1000000 merges");
        Assert.That(table.Count, Is.EqualTo(keys));
        Assert.That(merger.Calls, Is.GreaterThanOrEqualTo(1_110_000));
    }

    [Test]
    public void Sweep_steps_after_the_first_of_a_pass_allocate_nothing()
    {
        const int keys = 100_000;
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(new FasterStateTableOptions
        {
            Directory = dir.Path,
            Name = "alloc-steps",
            IndexBuckets = 1 << 14,
            MemoryBytes = 64L << 20, // everything stays in memory
        });
        var key = new byte[16];
        var value = new byte[64];
        for (var i = 0; i < keys; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value, i);
            table.Upsert(Key(key, i), value);
        }
        // Every third key expires: steps both pass over records and delete some. Two whole passes warm up
        // (JIT, tiering, FASTER's pools); the passes after them are measured, up to three, until one allocates nothing.
        // An allocation per step dirties every pass; a one-off charge to the thread (AllocationGate.AssertSteadyState
        // describes it: 168 B to 8 KB, source unknown) dirties one. CI met one here once: 2,224 B in one pass.
        var sweeper = new EveryThird();
        long allocated = 0, deleted = 0;
        var steps = 0;
        bool completed = false;
        var measured = new List<long>();
        for (var pass = 0; pass < 5 && (measured.Count == 0 || measured[^1] != 0); pass++)
        {
            for (var i = 0; i < keys; i += 3)
            {
                BinaryPrimitives.WriteInt64LittleEndian(value, i);
                table.Upsert(Key(key, i), value);
            }
            // The first step of a pass opens its scan (a few hundred bytes once per pass); the rest reuse it.
            deleted = table.SweepStep(ref sweeper, 4096, out completed);
            steps = 1;
            var before = AllocationGate.ThreadBytes();
            do
            {
                deleted += table.SweepStep(ref sweeper, 4096, out completed);
                steps++;
            }
            while (!completed && steps < 1_000_000);
            allocated = AllocationGate.ThreadBytes() - before;
            if (pass >= 2)
            {
                measured.Add(allocated);
            }
        }

        TestContext.Out.WriteLine($"{steps} sweep steps deleting {deleted} entries allocated {allocated} bytes (measured passes: {string.Join(", ", measured)} B)");
        Assert.That(completed, Is.True);
        Assert.That(steps, Is.GreaterThan(100));
        AllocationGate.AssertNone(allocated, $"{steps} sweep steps, the last of {measured.Count} measured passes ({string.Join(", ", measured)} B)");
    }

    private readonly struct EveryThird : IStateSweeper
    {
        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt64LittleEndian(value) % 3 == 0;
    }

    private static void Merge(FasterStateTable table, byte[] key, CounterMerger merger, int operations)
    {
        for (var op = 0; op < operations; op++)
        {
            table.Merge(Key(key, (int)((uint)(op * 7919) % 10_000)), merger);
        }
    }

    // A third each: read of an existing key, same-size upsert of an existing key, read of a missing key.
    private static long Run(FasterStateTable table, byte[] key, byte[] value, byte[] buffer, int operations)
    {
        long checksum = 0;
        for (var op = 0; op < operations; op++)
        {
            var i = (int)((uint)(op * 7919) % 10_000);
            switch (op % 3)
            {
                case 0:
                    checksum += table.Read(Key(key, i), buffer);
                    break;
                case 1:
                    BinaryPrimitives.WriteInt32LittleEndian(value, op);
                    table.Upsert(Key(key, i), value);
                    break;
                default:
                    checksum += table.Read(Key(key, 1_000_000 + i), buffer) == -1 ? 1 : -1_000_000;
                    break;
            }
        }
        return checksum;
    }

    private static ReadOnlySpan<byte> Key(byte[] buffer, int i)
    {
        "click:"u8.CopyTo(buffer);
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(6), i);
        return buffer.AsSpan(0, 14);
    }
}
