using System.Text;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Tests.Engine.State.Faster;

public class FasterStateTableCollisionTests
{
    [TestCase(false, 3000)]
    [TestCase(true, 5000)]
    public void Keys_with_colliding_hashes_never_share_an_entry(bool lengthOnlyHash, int keys)
    {
        var seed = TestSeed.Get();
        var random = new Random(seed);
        using var dir = new TempStateDirectory();
        var options = new FasterStateTableOptions { Directory = dir.Path, Name = "collide", IndexBuckets = 1 << 10, MemoryBytes = 32L << 20 };
        using var table = FasterStateTable.CreateWithComparer(options, new CollidingHashComparer(lengthOnlyHash));

        // Keys chosen to be hard: same length, shared prefixes, differing in one byte anywhere.
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var order = new List<string>();
        while (model.Count < keys)
        {
            var key = "user-" + random.Next(0, keys * 4).ToString("D8") + (random.Next(2) == 0 ? "" : "|c");
            if (model.ContainsKey(key))
            {
                continue;
            }
            var value = new byte[random.Next(0, 40)];
            random.NextBytes(value);
            model[key] = value;
            order.Add(key);
            table.Upsert(Encoding.UTF8.GetBytes(key), value);
        }
        Assert.That(table.Count, Is.EqualTo(keys));

        var buffer = new byte[IStateTable.MaxValueBytes];
        foreach (var key in order)
        {
            var n = table.Read(Encoding.UTF8.GetBytes(key), buffer);
            Assert.That(buffer.AsSpan(0, n).SequenceEqual(model[key]), Is.True, key);
        }

        // Keys that were never inserted but collide with all of them are absent.
        for (var i = 0; i < 200; i++)
        {
            var absent = "user-" + (keys * 4 + i).ToString("D8");
            Assert.That(table.Read(Encoding.UTF8.GetBytes(absent), buffer), Is.EqualTo(-1), absent);
        }

        // Delete a third, update a third with a different size; check every key again.
        for (var i = 0; i < order.Count; i++)
        {
            var key = Encoding.UTF8.GetBytes(order[i]);
            if (i % 3 == 0)
            {
                Assert.That(table.Delete(key), Is.True);
                model.Remove(order[i]);
            }
            else if (i % 3 == 1)
            {
                var value = Encoding.UTF8.GetBytes("updated:" + order[i]);
                table.Upsert(key, value);
                model[order[i]] = value;
            }
        }
        Assert.That(table.Count, Is.EqualTo(model.Count));
        foreach (var key in order)
        {
            var n = table.Read(Encoding.UTF8.GetBytes(key), buffer);
            if (model.TryGetValue(key, out var expected))
            {
                Assert.That(buffer.AsSpan(0, n).SequenceEqual(expected), Is.True, key);
            }
            else
            {
                Assert.That(n, Is.EqualTo(-1), key);
            }
        }
    }
}
