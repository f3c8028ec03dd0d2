using System.Buffers.Binary;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

[Category(TestCategories.Slow)]
public class FasterStateTableSweepStepTests
{
    /// <summary>Deletes entries whose value (an i64 "time") is below a cut-off.</summary>
    private readonly struct OlderThan(long cutoff) : IStateSweeper
    {
        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
            => BinaryPrimitives.ReadInt64LittleEndian(value) < cutoff;
    }

    [Test]
    public void Sweep_steps_delete_a_bounded_number_each_and_a_pass_deletes_every_selected_live_key()
    {
        const int n = 20_000;
        const int budget = 4_800; // bytes of log per step: at most 100 of the smallest records here (48 B)
        const long cutoff = n / 2;
        using var dir = new TempStateDirectory();
        // 1 MiB of log memory: most of the log is on disk, so probes go pending.
        using var table = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "steps", IndexBuckets = 1 << 12, MemoryBytes = 1L << 20 });
        var key = new byte[32];
        var value = new byte[16];
        var latest = new long?[n + 1000];
        for (var i = 0; i < n; i++)
        {
            Put(table, key, value, i, i, 8, latest);
        }
        // Older versions must not be deleted in place of the live one: every tenth key moves to a kept
        // time (a new, larger record), every tenth (offset 3) to an expired one; every tenth (offset 5) is deleted.
        for (var i = 0; i < n; i += 10)
        {
            Put(table, key, value, i, n + i, 16, latest);
            Put(table, key, value, i + 3, i / 2, 16, latest);
            table.Delete(FasterStateTableSweepTests.KeyFor(i + 5, key));
            latest[i + 5] = null;
        }

        var sweeper = new OlderThan(cutoff);
        long logBytes = table.StoredBytes;
        long deleted = 0;
        var steps = 0;
        bool completed;
        do
        {
            long now = table.SweepStep(ref sweeper, budget, out completed);
            Assert.That(now, Is.LessThanOrEqualTo(budget / 48 + 1), $"step {steps}");
            deleted += now;
            steps++;
            if (steps == 5)
            {
                // Written during the pass, past where it ends: left to the next pass.
                for (var i = n; i < n + 1000; i++)
                {
                    Put(table, key, value, i, 0, 8, latest);
                }
            }
        }
        while (!completed);
        TestContext.Out.WriteLine($"first pass: {steps} steps, {deleted} deleted, count {table.Count}");
        Assert.That(steps, Is.GreaterThanOrEqualTo(logBytes / budget), "a step visits about its budget of log, not more");

        long expectedFirst = Enumerable.Range(0, n).Count(i => latest[i] is { } t && t < cutoff);
        Assert.That(deleted, Is.EqualTo(expectedFirst));
        Assert.That(table.Count, Is.EqualTo(latest.Count(t => t is not null) - expectedFirst));

        // The next pass takes the entries written during the first one.
        long second = 0;
        do
        {
            second += table.SweepStep(ref sweeper, budget, out completed);
        }
        while (!completed);
        Assert.That(second, Is.EqualTo(1000));

        var buffer = new byte[IStateTable.MaxValueBytes];
        for (var i = 0; i < latest.Length; i++)
        {
            var read = table.Read(FasterStateTableSweepTests.KeyFor(i, key), buffer);
            var kept = latest[i] is { } t && t >= cutoff;
            Assert.That(read >= 0, Is.EqualTo(kept), $"key {i}");
            if (kept)
            {
                Assert.That(BinaryPrimitives.ReadInt64LittleEndian(buffer), Is.EqualTo(latest[i]));
            }
        }
        Assert.That(table.Count, Is.EqualTo(latest.Count(t => t is { } v && v >= cutoff)));
    }

    [Test]
    public void A_sweep_pass_continues_after_a_compaction_moved_the_log_begin()
    {
        const int n = 20_000;
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "compact", IndexBuckets = 1 << 12, MemoryBytes = 1L << 20 });
        var key = new byte[32];
        var value = new byte[16];
        var latest = new long?[n];
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < n; i++)
            {
                Put(table, key, value, i, i, round == 0 ? 8 : 16, latest); // the second round leaves the first as garbage
            }
        }
        var sweeper = new OlderThan(n / 4);
        long deleted = table.SweepStep(ref sweeper, 2_000, out bool completed);
        Assert.That(completed, Is.False);
        Assert.That(table.CompactLog(), Is.True);
        Assert.That(table.GetStats().LogBeginAddress, Is.GreaterThan(0));
        while (!completed)
        {
            deleted += table.SweepStep(ref sweeper, 20_000, out completed);
        }
        // Compaction copied live records to the tail, past the pass's end: a second pass reaches them.
        do
        {
            deleted += table.SweepStep(ref sweeper, 20_000, out completed);
        }
        while (!completed);
        Assert.That(deleted, Is.EqualTo(n / 4));
        Assert.That(table.Count, Is.EqualTo(n - n / 4));
        var buffer = new byte[IStateTable.MaxValueBytes];
        for (var i = 0; i < n; i++)
        {
            Assert.That(table.Read(FasterStateTableSweepTests.KeyFor(i, key), buffer) >= 0, Is.EqualTo(i >= n / 4), $"key {i}");
        }
    }

    private static void Put(FasterStateTable table, byte[] key, byte[] value, int i, long time, int length, long?[] latest)
    {
        BinaryPrimitives.WriteInt64LittleEndian(value, time);
        table.Upsert(FasterStateTableSweepTests.KeyFor(i, key), value.AsSpan(0, length));
        latest[i] = time;
    }
}
