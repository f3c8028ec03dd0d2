using System.Buffers.Binary;
using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

[Category(TestCategories.Slow)]
public class FasterStateTableSweepTests
{
    /// <summary>Deletes entries whose value (an i64 "time") is below a cut-off; records what it saw.</summary>
    private struct OlderThan(long cutoff, List<string>? seen) : IStateSweeper
    {
        public readonly bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            seen?.Add(Encoding.ASCII.GetString(key));
            return BinaryPrimitives.ReadInt64LittleEndian(value) < cutoff;
        }
    }

    private struct Evens : IStateSweeper
    {
        public int Visited;

        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Visited++;
            return (BinaryPrimitives.ReadInt64LittleEndian(value) & 1) == 0;
        }
    }

    [Test]
    public void Sweep_visits_each_live_key_once_with_its_latest_value_and_deletes_the_selected()
    {
        const int n = 20_000;
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "sweep", IndexBuckets = 1 << 12, MemoryBytes = 4L << 20 });
        var key = new byte[32];
        Span<byte> value = stackalloc byte[24];
        for (var i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value, i);
            table.Upsert(KeyFor(i, key), value[..8]);
        }
        // Older versions (different size, then back) and deleted keys must not be visited.
        for (var i = 0; i < n; i += 10)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value, i + 1); // flips parity: latest value decides
            table.Upsert(KeyFor(i, key), value[..16]);
        }
        for (var i = 5; i < n; i += 10)
        {
            table.Delete(KeyFor(i, key));
        }
        var live = n - n / 10;
        Assert.That(table.Count, Is.EqualTo(live));

        var sweeper = new Evens();
        var deleted = table.Sweep(ref sweeper);
        Assert.That(sweeper.Visited, Is.EqualTo(live), "each live key exactly once");

        var buffer = new byte[IStateTable.MaxValueBytes];
        long expectDeleted = 0;
        for (var i = 0; i < n; i++)
        {
            var read = table.Read(KeyFor(i, key), buffer);
            var latest = i % 10 == 0 ? i + 1 : i;
            var shouldBeGone = i % 10 == 5 || latest % 2 == 0;
            if (i % 10 != 5 && latest % 2 == 0)
            {
                expectDeleted++;
            }
            Assert.That(read >= 0, Is.EqualTo(!shouldBeGone), $"key {i}");
            if (read >= 0)
            {
                Assert.That(BinaryPrimitives.ReadInt64LittleEndian(buffer), Is.EqualTo(latest));
            }
        }
        Assert.That(deleted, Is.EqualTo(expectDeleted));
        Assert.That(table.Count, Is.EqualTo(live - expectDeleted));

        // A second sweep sees exactly the survivors.
        var seen = new List<string>();
        var all = new OlderThan(long.MinValue, seen);
        Assert.That(table.Sweep(ref all), Is.Zero);
        Assert.That(seen, Has.Count.EqualTo(table.Count));
        Assert.That(seen, Is.Unique);
    }

    [Test]
    public void Long_run_of_insert_and_expire_keeps_count_and_disk_bounded()
    {
        const int rounds = 40;
        const int perRound = 3_000;
        const int keepRounds = 3;
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions
        {
            Directory = dir.Path,
            Name = "longrun",
            IndexBuckets = 1 << 13,
            MemoryBytes = 1L << 20,
            CompactionMinLogBytes = 1L << 20,
        };
        using var table = FasterStateTable.Create(options);
        var key = new byte[32];
        var value = new byte[128];
        long maxFileBytes = 0, maxLogBytes = 0, maxCount = 0;
        long totalWritten = 0;
        var writeClock = new System.Diagnostics.Stopwatch();
        var sweepClock = new System.Diagnostics.Stopwatch();

        for (var round = 0; round < rounds; round++)
        {
            writeClock.Start();
            for (var j = 0; j < perRound; j++)
            {
                var id = round * perRound + j;
                var length = 16 + random.Next(80);
                random.NextBytes(value.AsSpan(0, length));
                BinaryPrimitives.WriteInt64LittleEndian(value, round);
                table.Upsert(SweepKey(id, key), value.AsSpan(0, length));
                totalWritten += FasterStateTable.RecordBytes(13, length);
            }
            // Refresh a few live keys of the previous rounds (updates create garbage too).
            for (var j = 0; j < perRound / 4 && round > 0; j++)
            {
                var id = (round - 1) * perRound + random.Next(perRound);
                var length = 16 + random.Next(80);
                BinaryPrimitives.WriteInt64LittleEndian(value, round - 1);
                table.Upsert(SweepKey(id, key), value.AsSpan(0, length));
                totalWritten += FasterStateTable.RecordBytes(13, length);
            }

            writeClock.Stop();
            var expire = new OlderThan(round - keepRounds + 1, null);
            sweepClock.Start();
            table.Sweep(ref expire);
            sweepClock.Stop();
            var stats = table.GetStats();
            maxFileBytes = Math.Max(maxFileBytes, stats.LogFileBytes);
            maxLogBytes = Math.Max(maxLogBytes, stats.LogBytes);
            maxCount = Math.Max(maxCount, table.Count);
            if (round % 10 == 9 || round == rounds - 1)
            {
                TestContext.Out.WriteLine($"round {round + 1}: count {table.Count}, log {stats.LogBytes:N0} B (live {stats.LiveRecordBytes:N0} B), files {stats.LogFileBytes:N0} B, begin {stats.LogBeginAddress:N0}, tail {stats.LogTailAddress:N0}");
            }
            Assert.That(table.Count, Is.EqualTo(Math.Min(round + 1, keepRounds) * (long)perRound), $"round {round}");
        }

        TestContext.Out.WriteLine($"written {totalWritten:N0} B in total; max log {maxLogBytes:N0} B, max files {maxFileBytes:N0} B, max count {maxCount}; writing {writeClock.ElapsedMilliseconds} ms, sweeping {sweepClock.ElapsedMilliseconds} ms");
        var liveBound = keepRounds * perRound * (long)FasterStateTable.RecordBytes(13, 96);
        // Compaction fires at 2x live; allow that plus one memory budget and two segment files of slack.
        var bound = 2 * liveBound + options.MemoryBytes + 2 * (1L << options.SegmentBits);
        Assert.That(totalWritten, Is.GreaterThan(3 * bound), "the run must write far more than the bound");
        Assert.That(maxLogBytes, Is.LessThanOrEqualTo(bound));
        Assert.That(maxFileBytes, Is.LessThanOrEqualTo(bound));

        // The survivors are exactly the last keepRounds rounds.
        var buffer = new byte[IStateTable.MaxValueBytes];
        for (var id = 0; id < rounds * perRound; id += 13)
        {
            var read = table.Read(SweepKey(id, key), buffer);
            Assert.That(read >= 0, Is.EqualTo(id / perRound >= rounds - keepRounds), $"id {id}");
        }
    }

    internal static ReadOnlySpan<byte> KeyFor(int i, byte[] buffer)
    {
        var n = Encoding.ASCII.GetBytes($"key-{i:D9}", buffer);
        return buffer.AsSpan(0, n);
    }

    private static ReadOnlySpan<byte> SweepKey(int id, byte[] buffer)
    {
        var n = Encoding.ASCII.GetBytes($"k-{id:D11}", buffer);
        return buffer.AsSpan(0, n);
    }
}
