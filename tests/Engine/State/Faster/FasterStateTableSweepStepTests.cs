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

    [Test]
    public void Passes_of_small_steps_keep_count_and_disk_bounded_and_compact_a_step_at_a_time()
    {
        // The whole-sweep long run, expired by passes of small steps taken between writes (as the shard does):
        // the compaction a pass starts must also move the log begin a step at a time, never in one go.
        const int rounds = 40;
        const int perRound = 3_000;
        const int keepRounds = 3;
        const long stepBytes = 16 * 1024;
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions
        {
            Directory = dir.Path,
            Name = "steprun",
            IndexBuckets = 1 << 13,
            MemoryBytes = 1L << 20,
            CompactionMinLogBytes = 1L << 20,
        };
        using var table = FasterStateTable.Create(options);
        var key = new byte[32];
        var value = new byte[128];
        long maxFileBytes = 0, maxLogBytes = 0, totalWritten = 0, largestBeginMove = 0, beginMoves = 0;
        var passes = 0;
        var cutoff = long.MinValue;
        var sweeper = new OlderThan(cutoff);
        // Keys expire by value (their round); the cut-off a pass uses is the one current when it started.
        bool passing = false;
        for (var round = 0; round < rounds; round++)
        {
            for (var j = 0; j < perRound; j++)
            {
                var id = round * perRound + j;
                var length = 16 + random.Next(80);
                random.NextBytes(value.AsSpan(0, length));
                BinaryPrimitives.WriteInt64LittleEndian(value, round);
                table.Upsert(SweepStepKey(id, key), value.AsSpan(0, length));
                totalWritten += FasterStateTable.RecordBytes(13, length);
                if (j % 8 == 7)
                {
                    if (!passing)
                    {
                        sweeper = new OlderThan(round - keepRounds + 1);
                        passing = true;
                    }
                    long begin = table.GetStats().LogBeginAddress;
                    table.SweepStep(ref sweeper, stepBytes, out bool completed);
                    long moved = table.GetStats().LogBeginAddress - begin;
                    largestBeginMove = Math.Max(largestBeginMove, moved);
                    beginMoves += moved > 0 ? 1 : 0;
                    if (completed)
                    {
                        passing = false;
                        passes++;
                    }
                }
            }
            var stats = table.GetStats();
            maxFileBytes = Math.Max(maxFileBytes, stats.LogFileBytes);
            maxLogBytes = Math.Max(maxLogBytes, stats.LogBytes);
        }
        // Finish the pass in progress and run one more with the last cut-off, so the survivors are exact.
        for (var p = 0; p < 2; p++)
        {
            if (!passing)
            {
                sweeper = new OlderThan(rounds - keepRounds);
            }
            bool completed;
            do
            {
                table.SweepStep(ref sweeper, stepBytes, out completed);
            }
            while (!completed);
            passing = false;
        }

        TestContext.Out.WriteLine($"seed {seed}: {passes} passes; written {totalWritten:N0} B; max log {maxLogBytes:N0} B, max files {maxFileBytes:N0} B; begin moved in {beginMoves} steps, at most {largestBeginMove:N0} B at once");
        var liveBound = keepRounds * perRound * (long)FasterStateTable.RecordBytes(13, 96);
        // Compaction fires at 2x live: allow that plus one memory budget and two segment files of slack (as for whole sweeps).
        var bound = 2 * liveBound + options.MemoryBytes + 2 * (1L << options.SegmentBits);
        Assert.That(totalWritten, Is.GreaterThan(2 * bound), "the run must write far more than the bound");
        Assert.That(maxLogBytes, Is.LessThanOrEqualTo(bound));
        Assert.That(maxFileBytes, Is.LessThanOrEqualTo(bound));
        Assert.That(beginMoves, Is.GreaterThan(10), "compaction must have run, in many steps");
        // One step moves the begin past its budget of log plus at most one record.
        Assert.That(largestBeginMove, Is.LessThanOrEqualTo(stepBytes + FasterStateTable.RecordBytes(13, 96)));

        var buffer = new byte[IStateTable.MaxValueBytes];
        for (var id = 0; id < rounds * perRound; id += 13)
        {
            var read = table.Read(SweepStepKey(id, key), buffer);
            Assert.That(read >= 0, Is.EqualTo(id / perRound >= rounds - keepRounds), $"id {id}");
        }
        Assert.That(table.Count, Is.EqualTo(keepRounds * (long)perRound));
    }

    private static ReadOnlySpan<byte> SweepStepKey(int id, byte[] buffer)
    {
        var n = System.Text.Encoding.ASCII.GetBytes($"k-{id:D11}", buffer);
        return buffer.AsSpan(0, n);
    }

    private static void Put(FasterStateTable table, byte[] key, byte[] value, int i, long time, int length, long?[] latest)
    {
        BinaryPrimitives.WriteInt64LittleEndian(value, time);
        table.Upsert(FasterStateTableSweepTests.KeyFor(i, key), value.AsSpan(0, length));
        latest[i] = time;
    }
}
