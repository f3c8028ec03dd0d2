using System.Text;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Engine.State.Faster;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// The split checkpoint the engine's snapshots rely on: <see cref="FasterStateTable.BeginCheckpoint"/>
/// fixes the contents, later writes (in place, resized, deletes, inserts) while another thread
/// completes it do not leak into it.
/// </summary>
public class FasterCheckpointCutTests
{
    [TestCase(16L << 20, 5_000)]  // all in memory: in-place updates are the risk
    [TestCase(1L << 20, 20_000)]  // spills to disk while the checkpoint is written
    public void Checkpoint_holds_the_table_as_of_begin_while_writes_continue(long memory, int keys)
    {
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "cut", IndexBuckets = 1 << 12, MemoryBytes = memory, CompactionMinLogBytes = 0 };
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        Dictionary<string, byte[]> atCut;
        Guid token;
        using (var table = FasterStateTable.Create(options))
        {
            for (var i = 0; i < keys; i++)
            {
                Put(table, model, "k" + i, 16, random);
            }
            token = table.BeginCheckpoint();
            atCut = new Dictionary<string, byte[]>(model, StringComparer.Ordinal);
            var completion = Task.Run(() => table.CompleteCheckpoint(token, TimeSpan.FromMinutes(1)));
            var round = 0;
            do
            {
                for (var i = 0; i < 500; i++)
                {
                    var k = "k" + random.Next(keys + keys / 4);
                    switch (random.Next(4))
                    {
                        case 0: Put(table, model, k, 16, random); break; // same size: in place when mutable
                        case 1: Put(table, model, k, random.Next(1, 90), random); break;
                        case 2: table.Delete(Encoding.ASCII.GetBytes(k)); model.Remove(k); break;
                        default: Put(table, model, "new" + random.Next(), 8, random); break;
                    }
                }
                round++;
            }
            while (!completion.IsCompleted || round < 4);
            completion.GetAwaiter().GetResult();
            TestContext.Out.WriteLine($"seed {seed}: {round * 500} writes while the checkpoint completed");
            foreach (var f in table.CheckpointFiles(token))
            {
                TestContext.Out.WriteLine($"{Path.GetRelativePath(dir.Path, f.Path)} {f.Length} prefix={f.IsPrefix} actual={new FileInfo(f.Path).Length}");
            }
        }
        using var recovered = FasterStateTable.Recover(options, token);
        Assert.That(recovered.Count, Is.EqualTo(atCut.Count), $"seed {seed}");
        var buffer = new byte[256];
        foreach (var (k, v) in atCut)
        {
            var n = recovered.Read(Encoding.ASCII.GetBytes(k), buffer);
            Assert.That(buffer.AsSpan(0, Math.Max(n, 0)).ToArray(), Is.EqualTo(v), $"seed {seed}, key {k}");
        }
    }

    private static void Put(FasterStateTable table, Dictionary<string, byte[]> model, string key, int length, Random random)
    {
        var value = new byte[length];
        random.NextBytes(value);
        table.Upsert(Encoding.ASCII.GetBytes(key), value);
        model[key] = value;
    }
}
