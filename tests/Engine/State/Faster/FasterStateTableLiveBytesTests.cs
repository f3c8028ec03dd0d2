using System.Buffers.Binary;
using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

/// <summary>
/// The live records' size that drives compaction is kept by every write and delete, not counted by a scan:
/// it must equal what a model of the table says after any mix of operations, sweeps, expiry steps and recovery.
/// </summary>
[Category(TestCategories.Slow)]
public class FasterStateTableLiveBytesTests
{
    private readonly struct OlderThan(long cutoff) : IStateSweeper
    {
        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
            => BinaryPrimitives.ReadInt64LittleEndian(value) < cutoff;
    }

    [Test]
    public void Live_record_bytes_match_a_model_through_writes_deletes_sweeps_steps_and_recovery()
    {
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        // 1 MiB of log memory: most records end on disk, so writes and deletes also take the pending path.
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "live", IndexBuckets = 1 << 12, MemoryBytes = 1L << 20, CompactionMinLogBytes = 256 * 1024 };
        var model = new Dictionary<string, (int Length, long Time)>();
        var key = new byte[32];
        var value = new byte[200];
        var table = FasterStateTable.Create(options);
        try
        {
            long time = 0;
            for (var round = 0; round < 12; round++)
            {
                for (var i = 0; i < 4_000; i++)
                {
                    var id = random.Next(20_000);
                    var k = Key(id, key);
                    var name = Encoding.ASCII.GetString(k);
                    if (random.Next(10) == 0)
                    {
                        Assert.That(table.Delete(k), Is.EqualTo(model.Remove(name)), $"seed {seed}: delete {name}");
                        continue;
                    }
                    // Sizes change often (new records) and sometimes not (in place while mutable).
                    var length = 8 + 8 * random.Next(4);
                    BinaryPrimitives.WriteInt64LittleEndian(value, time);
                    table.Upsert(k, value.AsSpan(0, length));
                    model[name] = (length, time++);
                }
                var cutoff = time - 10_000;
                if (round % 3 == 0)
                {
                    var sweeper = new OlderThan(cutoff);
                    table.Sweep(ref sweeper);
                }
                else
                {
                    var sweeper = new OlderThan(cutoff);
                    bool completed;
                    do
                    {
                        table.SweepStep(ref sweeper, 8 * 1024, out completed);
                    }
                    while (!completed);
                }
                foreach (var expired in model.Where(kv => kv.Value.Time < cutoff).Select(kv => kv.Key).ToList())
                {
                    model.Remove(expired);
                }
                Assert.That(table.GetStats().LiveRecordBytes, Is.EqualTo(ModelBytes(model)), $"seed {seed}: round {round}");
                Assert.That(table.Count, Is.EqualTo(model.Count), $"seed {seed}: round {round}");
                if (round % 4 == 3)
                {
                    // Every other recovery reads a checkpoint as builds before the live size wrote them: the size is counted at open.
                    table.WritesVersion1CookieForTests = round % 8 == 7;
                    var token = table.Checkpoint();
                    table.Dispose();
                    table = FasterStateTable.Recover(options, token);
                    Assert.That(table.GetStats().LiveRecordBytes, Is.EqualTo(ModelBytes(model)), $"seed {seed}: after recovery in round {round}");
                }
            }
            var buffer = new byte[IStateTable.MaxValueBytes];
            for (var id = 0; id < 20_000; id++)
            {
                var k = Key(id, key);
                var present = model.TryGetValue(Encoding.ASCII.GetString(k), out var expected);
                Assert.That(table.Read(k, buffer), Is.EqualTo(present ? expected.Length : -1), $"seed {seed}: key {id}");
            }
            TestContext.Out.WriteLine($"seed {seed}: {model.Count} live keys, {ModelBytes(model):N0} B live, log {table.GetStats().LogBytes:N0} B, begin {table.GetStats().LogBeginAddress:N0}");
            Assert.That(table.GetStats().LogBeginAddress, Is.GreaterThan(64), "compaction must have run (the live size decides it)");
        }
        finally
        {
            table.Dispose();
        }
    }

    // What the table's type documents a record to cost: 8 + align8(4 + key) + align8(4 + value), written out here.
    private static long ModelBytes(Dictionary<string, (int Length, long Time)> model)
        => model.Sum(kv => 8L + Align8(4 + kv.Key.Length) + Align8(4 + kv.Value.Length));

    private static int Align8(int n) => (n + 7) / 8 * 8;

    private static ReadOnlySpan<byte> Key(int id, byte[] buffer)
    {
        var n = Encoding.ASCII.GetBytes($"live-{id:D7}", buffer);
        return buffer.AsSpan(0, n);
    }
}
