using System.Buffers.Binary;
using System.Text;
using Attribution.Engine.Pipeline;
using Attribution.Native;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Bindings;

/// <summary>The queue between shard deliveries and attr_poll: whole records only, nothing lost, bounded by the submit side.</summary>
public class OutputQueueTests
{
    private static OutputBatch Batch(params string[] values)
    {
        var batch = new OutputBatch(0, 64, 2);
        foreach (string v in values)
        {
            var entry = new OutputEntry { ValueOffset = batch.Position, KeyOffset = batch.AppendKey("u"u8), KeyLength = 1 };
            int n = Encoding.UTF8.GetBytes(v, batch.GetSpan(Encoding.UTF8.GetByteCount(v)));
            batch.Advance(n);
            entry.ValueLength = n;
            batch.AddEntry(in entry);
        }
        return batch;
    }

    [Test]
    public void Poll_returns_whole_json_lines_and_reports_the_next_size_when_nothing_fits()
    {
        var q = new OutputQueue(WireFormat.Json, 1 << 20);
        q.Deliver(Batch("{\"a\":1}", "{\"bb\":22}"));
        var buf = new byte[64];
        Assert.That(q.Poll(buf.AsSpan(0, 5), out int written, out long needed), Is.False);
        Assert.That((written, needed), Is.EqualTo((0, 8L)));
        Assert.That(q.Poll(buf.AsSpan(0, 12), out written, out needed), Is.True);
        Assert.That(Encoding.UTF8.GetString(buf, 0, written), Is.EqualTo("{\"a\":1}\n"));
        Assert.That(needed, Is.EqualTo(10), "bytes still pending");
        Assert.That(q.Poll(buf, out written, out needed), Is.True);
        Assert.That(Encoding.UTF8.GetString(buf, 0, written), Is.EqualTo("{\"bb\":22}\n"));
        Assert.That((needed, q.PendingBytes, q.DeliveredRecords, q.PolledBytes), Is.EqualTo((0L, 0L, 2L, 18L)));
    }

    [Test]
    public void Poll_frames_msgpack_records_with_a_little_endian_length()
    {
        var q = new OutputQueue(WireFormat.MessagePack, 1 << 20);
        q.Deliver(Batch("abc", "defgh"));
        var buf = new byte[64];
        Assert.That(q.Poll(buf.AsSpan(0, 10), out int written, out _), Is.True);
        Assert.That(written, Is.EqualTo(7), "only the first frame (4 + 3) fits in 10 bytes");
        Assert.That(BinaryPrimitives.ReadInt32LittleEndian(buf), Is.EqualTo(3));
        Assert.That(q.Poll(buf, out written, out _), Is.True);
        Assert.That(written, Is.EqualTo(9));
        Assert.That(Encoding.UTF8.GetString(buf, 4, 5), Is.EqualTo("defgh"));
    }

    [Test]
    public void Queue_reports_full_at_its_limit_but_never_refuses_a_delivery()
    {
        var q = new OutputQueue(WireFormat.Json, 100);
        string record = new('x', 40);
        q.Deliver(Batch(record, record));
        Assert.That(q.IsFull, Is.False, "82 bytes < 100");
        q.Deliver(Batch(record, record, record));
        Assert.That(q.IsFull, Is.True);
        Assert.That(q.PendingBytes, Is.EqualTo(5 * 41), "deliveries past the limit are kept");
        var buf = new byte[1000];
        Assert.That(q.Poll(buf, out int written, out _), Is.True);
        Assert.That(written, Is.EqualTo(5 * 41));
        Assert.That(q.IsFull, Is.False);
    }

    [Test]
    public void A_backlog_of_many_chunks_reuses_its_chunks_after_it_is_polled()
    {
        // 40 chunks pending (10 MiB, as when the shards run a ring's length behind the caller's polls),
        // drained, and again: the second round must reuse the first round's chunks, not allocate new ones.
        var q = new OutputQueue(WireFormat.Json, NativeConfig.DefaultOutputBufferBytes);
        OutputBatch batch = Batch(new string('x', 1000), new string('y', 1000), new string('z', 1000));
        int batches = 40 * OutputQueue.ChunkBytes / (3 * 1001);
        var buf = new byte[1 << 20];
        void Round()
        {
            for (int i = 0; i < batches; i++)
            {
                q.Deliver(batch);
            }
            while (q.Poll(buf, out int written, out _) && written > 0)
            {
            }
        }
        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.LessThan(OutputQueue.ChunkBytes), "bytes allocated by the second round of a 40-chunk backlog");
        Assert.That(q.PendingBytes, Is.Zero);
    }

    [Test]
    public void Random_deliveries_and_poll_sizes_reassemble_the_exact_stream()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        var q = new OutputQueue(WireFormat.Json, long.MaxValue);
        var expected = new StringBuilder();
        var got = new StringBuilder();
        var buf = new byte[OutputQueue.ChunkBytes * 3];
        for (int round = 0; round < 2000; round++)
        {
            int count = rng.Next(0, 6);
            var values = new string[count];
            for (int i = 0; i < count; i++)
            {
                // Mostly small records, sometimes one larger than a chunk.
                int length = rng.Next(100) == 0 ? OutputQueue.ChunkBytes + rng.Next(1000) : rng.Next(1, 400);
                values[i] = "{" + new string((char)('a' + rng.Next(26)), length) + "}";
                expected.Append(values[i]).Append('\n');
            }
            if (count > 0)
            {
                q.Deliver(Batch(values));
            }
            int cap = rng.Next(4) == 0 ? buf.Length : rng.Next(0, 2000);
            if (q.Poll(buf.AsSpan(0, cap), out int written, out long needed))
            {
                string text = Encoding.UTF8.GetString(buf, 0, written);
                Assert.That(written == 0 || text.EndsWith('\n'), Is.True, $"seed {seed}: a partial record came out");
                got.Append(text);
            }
            else
            {
                Assert.That(needed, Is.GreaterThan(cap), $"seed {seed}: too small was reported but the record fits");
            }
        }
        while (q.Poll(buf, out int written, out _) && written > 0)
        {
            got.Append(Encoding.UTF8.GetString(buf, 0, written));
        }
        Assert.That(got.ToString(), Is.EqualTo(expected.ToString()), $"seed {seed}");
        Assert.That(q.PendingBytes, Is.Zero);
    }

    [Test]
    public void Concurrent_deliveries_and_polls_lose_and_split_nothing()
    {
        var q = new OutputQueue(WireFormat.Json, long.MaxValue);
        const int PerShard = 20_000;
        var shards = Enumerable.Range(0, 2).Select(s => new Thread(() =>
        {
            for (int i = 0; i < PerShard; i += 10)
            {
                q.Deliver(Batch(Enumerable.Range(i, 10).Select(n => $"{{\"s\":{s},\"n\":{n}}}").ToArray()));
            }
        })).ToArray();
        foreach (var t in shards)
        {
            t.Start();
        }
        var seen = new HashSet<string>();
        var buf = new byte[777];
        var carry = new StringBuilder();
        while (shards.Any(t => t.IsAlive) || q.PendingBytes > 0)
        {
            if (q.Poll(buf, out int written, out _) && written > 0)
            {
                string text = Encoding.UTF8.GetString(buf, 0, written);
                Assert.That(text.EndsWith('\n'), Is.True);
                foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    Assert.That(seen.Add(line), Is.True, $"{line} twice");
                }
            }
        }
        Assert.That(seen, Has.Count.EqualTo(2 * PerShard));
        Assert.That(q.DeliveredRecords, Is.EqualTo(2 * PerShard));
    }
}
