using Attribution.Engine.State.Faster;
using Attribution.Tests.Support;
using FASTER.core;

namespace Attribution.Tests.Engine.State.Faster;

/// <summary>Prefetch loads the bucket FASTER itself uses for a key: checked against the entries FASTER wrote there.</summary>
public class FasterStateTablePrefetchTests
{
    [Test]
    public unsafe void The_bucket_a_key_is_prefetched_from_holds_FASTERs_entry_for_that_key()
    {
        using var dir = new TempStateDirectory();
        using var table = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "prefetch", IndexBuckets = 1 << 12, MemoryBytes = 1 << 20 });
        Assert.That(table.CanPrefetch, Is.True, "FASTER's index was not found: prefetching would be off");
        var keys = Enumerable.Range(0, 500).Select(i => System.Text.Encoding.UTF8.GetBytes($"user-{i}/campaign-{i % 7}")).ToList();
        foreach (byte[] key in keys)
        {
            table.Upsert(key, [1, 2, 3]);
            table.Prefetch(key); // a hint only: must not change or throw
        }
        int found = 0;
        foreach (byte[] key in keys)
        {
            long hash;
            fixed (byte* k = key)
            {
                var bytes = SpanByte.FromPointer(k, key.Length);
                hash = new SpanByteComparer().GetHashCode64(ref bytes); // FASTER's own hash, not ours
            }
            // FASTER keeps a 14-bit tag of the hash's top bits in bits 48..61 of the bucket entry that points at the key's record.
            ulong tag = (ulong)hash >> 50;
            ulong* bucket = (ulong*)table.BucketOf(key);
            bool holds = false;
            for (int e = 0; e < 7; e++)
            {
                holds |= bucket[e] != 0 && ((bucket[e] >> 48) & 0x3FFF) == tag;
            }
            found += holds ? 1 : 0;
        }
        // 500 keys in 4,096 buckets of 7 entries: no bucket overflows, so each key's entry is in its own bucket.
        Assert.That(found, Is.EqualTo(keys.Count));
        Assert.That(table.Read(keys[0], new byte[16]), Is.EqualTo(3), "prefetching changed nothing");
    }
}
