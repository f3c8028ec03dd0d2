using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

[Category(TestCategories.Slow)]
public class FasterStateTableCheckpointTests
{
    private static FasterStateTableOptions Options(TempStateDirectory dir, long memory) => new()
    {
        Directory = dir.Path,
        Name = "ckpt",
        IndexBuckets = 1 << 12,
        MemoryBytes = memory,
        CompactionMinLogBytes = 0,
    };

    [TestCase(16L << 20, 2_000)]   // all in memory
    [TestCase(1L << 20, 30_000)]   // mostly on disk
    public void Recovering_a_checkpoint_restores_exactly_its_contents_and_count(long memory, int entries)
    {
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = Options(dir, memory);
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Guid token;
        Dictionary<string, byte[]> atCheckpoint;

        using (var table = FasterStateTable.Create(options))
        {
            Mutate(table, model, random, entries, deleteEvery: 5);
            atCheckpoint = new Dictionary<string, byte[]>(model, StringComparer.Ordinal);
            token = table.Checkpoint();
            Assert.That(table.CheckpointTokens(), Is.EqualTo(new[] { token }));

            // Everything after the checkpoint must be forgotten by recovery.
            Mutate(table, model, random, entries / 2, deleteEvery: 3);
            Assert.That(table.Count, Is.EqualTo(model.Count));
        }

        Assert.That(FasterStateTable.ListCheckpoints(options), Is.EqualTo(new[] { token }));
        using (var recovered = FasterStateTable.Recover(options, token))
        {
            AssertContents(recovered, atCheckpoint, model.Keys);
            // The recovered table keeps working: write, checkpoint again, recover the latest.
            recovered.Upsert("after-recovery"u8, "x"u8);
            atCheckpoint["after-recovery"] = "x"u8.ToArray();
            var second = recovered.Checkpoint();
            Assert.That(recovered.CheckpointTokens()[0], Is.EqualTo(second));
        }
        using (var latest = FasterStateTable.Recover(options))
        {
            AssertContents(latest, atCheckpoint, model.Keys);
        }
    }

    [Test]
    public void Checkpoints_before_and_after_compaction_both_recover_until_the_older_is_removed()
    {
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = Options(dir, 1L << 20);
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Guid first, last;
        Dictionary<string, byte[]> atFirst, atLast;
        long begin;

        using (var table = FasterStateTable.Create(options))
        {
            Mutate(table, model, random, 20_000, deleteEvery: 0);
            first = table.Checkpoint();
            atFirst = new Dictionary<string, byte[]>(model, StringComparer.Ordinal);
            SweepAndCompact(table, model, random, rounds: 4);
            last = table.Checkpoint();
            atLast = new Dictionary<string, byte[]>(model, StringComparer.Ordinal);
            begin = table.GetStats().LogBeginAddress;
            Assert.That(begin >> options.SegmentBits, Is.GreaterThan(0), "compaction must have moved the log begin past whole segments");
            // The first checkpoint still has its log files: both are offered.
            Assert.That(table.CheckpointTokens(), Is.EquivalentTo(new[] { first, last }));
            Mutate(table, model, random, 1_000, deleteEvery: 2);
        }

        using (var recovered = FasterStateTable.Recover(options, last))
        {
            AssertContents(recovered, atLast, model.Keys);
        }
        using (var recovered = FasterStateTable.Recover(options, first))
        {
            AssertContents(recovered, atFirst, model.Keys);
        }
        var segmentBelowBegin = Path.Combine(options.LogDirectory, "hlog.0");
        Assert.That(File.Exists(segmentBelowBegin), Is.True, "the first checkpoint's log files are kept");

        using (var recovered = FasterStateTable.Recover(options, last))
        {
            recovered.RemoveCheckpoint(first);
            Assert.That(recovered.CheckpointTokens(), Is.EqualTo(new[] { last }));
            AssertContents(recovered, atLast, model.Keys);
        }
        Assert.That(File.Exists(segmentBelowBegin), Is.False, "log files only the removed checkpoint needed are deleted");
        using var latest = FasterStateTable.Recover(options);
        AssertContents(latest, atLast, model.Keys);
    }

    [Test]
    public void Latest_checkpoint_stays_recoverable_after_compactions_that_follow_it()
    {
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = Options(dir, 1L << 20);
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Dictionary<string, byte[]> atCheckpoint;
        using (var table = FasterStateTable.Create(options))
        {
            Mutate(table, model, random, 20_000, deleteEvery: 0);
            table.Checkpoint();
            atCheckpoint = new Dictionary<string, byte[]>(model, StringComparer.Ordinal);
            var beginBefore = table.GetStats().LogBeginAddress;
            SweepAndCompact(table, model, random, rounds: 4);
            var stats = table.GetStats();
            TestContext.Out.WriteLine($"after compactions: {stats}");
            Assert.That(stats.LogBeginAddress, Is.GreaterThan(beginBefore + (1L << options.SegmentBits)), "compaction must have moved the log begin past whole segments");
            // The process "crashes" here, before any newer checkpoint.
        }

        using var recovered = FasterStateTable.Recover(options);
        AssertContents(recovered, atCheckpoint, model.Keys);
    }

    [Test]
    public void Removed_checkpoint_is_no_longer_listed_or_recoverable()
    {
        using var dir = new TempStateDirectory();
        var options = Options(dir, 1L << 20);
        Guid first, second;
        using (var table = FasterStateTable.Create(options))
        {
            table.Upsert("a"u8, "1"u8);
            first = table.Checkpoint();
            table.Upsert("b"u8, "2"u8);
            second = table.Checkpoint();
            Assert.That(table.CheckpointTokens(), Is.EquivalentTo(new[] { first, second }));
            table.RemoveCheckpoint(first);
            Assert.That(table.CheckpointTokens(), Is.EqualTo(new[] { second }));
        }
        Assert.That(FasterStateTable.ListCheckpoints(options), Is.EqualTo(new[] { second }));
        Assert.Throws<InvalidOperationException>(() => FasterStateTable.Recover(options, first));
        using var recovered = FasterStateTable.Recover(options, second);
        Assert.That(recovered.Count, Is.EqualTo(2));
    }

    [Test]
    public void Recover_without_a_checkpoint_fails_with_a_clear_error()
    {
        using var dir = new TempStateDirectory();
        var options = Options(dir, 1L << 20);
        var ex = Assert.Throws<InvalidOperationException>(() => FasterStateTable.Recover(options));
        TestContext.Out.WriteLine(ex!.Message);

        using (var table = FasterStateTable.Create(options))
        {
            table.Upsert("k"u8, "v"u8);
        }
        ex = Assert.Throws<InvalidOperationException>(() => FasterStateTable.Recover(options));
        TestContext.Out.WriteLine(ex!.Message);
        Assert.That(ex.Message, Does.Contain("no checkpoint"));

        using (var table = FasterStateTable.Create(options))
        {
            table.Checkpoint();
        }
        var unknown = Guid.NewGuid();
        ex = Assert.Throws<InvalidOperationException>(() => FasterStateTable.Recover(options, unknown));
        Assert.That(ex!.Message, Does.Contain(unknown.ToString()));
    }

    private static void SweepAndCompact(FasterStateTable table, Dictionary<string, byte[]> model, Random random, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            var drop = new DropKeysEndingWith((byte)('0' + round));
            table.Sweep(ref drop);
            foreach (var k in model.Keys.Where(k => k[^1] == '0' + round).ToList())
            {
                model.Remove(k);
            }
            Mutate(table, model, random, 10_000, deleteEvery: 4);
            table.CompactLog();
        }
    }

    private readonly struct DropKeysEndingWith(byte last) : IStateSweeper
    {
        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => key[^1] == last;
    }

    private static void Mutate(FasterStateTable table, Dictionary<string, byte[]> model, Random random, int operations, int deleteEvery)
    {
        for (var i = 0; i < operations; i++)
        {
            var key = "key-" + random.Next(0, operations * 2).ToString("D8");
            var keyBytes = Encoding.ASCII.GetBytes(key);
            if (deleteEvery > 0 && i % deleteEvery == 0)
            {
                Assert.That(table.Delete(keyBytes), Is.EqualTo(model.Remove(key)), key);
                continue;
            }
            var value = new byte[random.Next(1, 120)];
            random.NextBytes(value);
            table.Upsert(keyBytes, value);
            model[key] = value;
        }
        Assert.That(table.Count, Is.EqualTo(model.Count));
    }

    private static void AssertContents(FasterStateTable table, Dictionary<string, byte[]> expected, IEnumerable<string> alsoProbe)
    {
        Assert.That(table.Count, Is.EqualTo(expected.Count));
        var buffer = new byte[IStateTable.MaxValueBytes];
        foreach (var (key, value) in expected)
        {
            var n = table.Read(Encoding.ASCII.GetBytes(key), buffer);
            Assert.That(n, Is.EqualTo(value.Length), key);
            Assert.That(buffer.AsSpan(0, n).SequenceEqual(value), Is.True, key);
        }
        foreach (var key in alsoProbe)
        {
            if (!expected.ContainsKey(key))
            {
                Assert.That(table.Read(Encoding.ASCII.GetBytes(key), buffer), Is.EqualTo(-1), key);
            }
        }
        // A sweep that deletes nothing visits exactly the expected keys.
        var count = new CountAll();
        table.Sweep(ref count);
        Assert.That(count.Visited, Is.EqualTo(expected.Count));
    }

    private struct CountAll : IStateSweeper
    {
        public long Visited;

        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            Visited++;
            return false;
        }
    }
}
