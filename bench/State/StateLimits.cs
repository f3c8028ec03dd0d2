using System.Diagnostics;
using System.Numerics;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Bench.State;

/// <summary>The "state look-ups alone" limit: how fast one thread reads click entries of the engine's size from a FASTER table.</summary>
internal static class StateLimits
{
    /// <summary>Fills a table with <paramref name="keys"/> clicks (not timed), then times <paramref name="reads"/> reads in a scattered order.</summary>
    public static (double Seconds, long Keys) ClickReads(long reads, int keys)
    {
        var options = new FasterStateTableOptions
        {
            Directory = Path.Combine(Path.GetTempPath(), "attribution-bench-limits"),
            Name = "reads-" + Environment.ProcessId,
            IndexBuckets = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(64, keys / 6)),
            MemoryBytes = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(64L << 20, (long)keys * FasterStateTable.RecordBytes(ClickFixture.KeyBytes, ClickFixture.ValueBytes) * 11 / 10)),
            DeleteOnDispose = true,
        };
        using var table = FasterStateTable.Create(options);
        Span<byte> key = stackalloc byte[ClickFixture.KeyBytes];
        Span<byte> value = stackalloc byte[ClickFixture.ValueBytes];
        byte[] buffer = new byte[IStateTable.MaxValueBytes];
        for (long i = 0; i < keys; i++)
        {
            ClickFixture.WriteKey(i, key);
            ClickFixture.WriteValue(i, 0, value);
            table.Upsert(key, value);
        }
        long found = 0;
        for (long j = 0; j < Math.Min(reads, 200_000); j++) // warm-up
        {
            ClickFixture.WriteKey(j * 7919 % keys, key);
            found += table.Read(key, buffer) > 0 ? 1 : 0;
        }
        found = 0;
        long start = Stopwatch.GetTimestamp();
        for (long j = 0; j < reads; j++)
        {
            ClickFixture.WriteKey(j * 7919 % keys, key);
            found += table.Read(key, buffer) > 0 ? 1 : 0;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return found == reads ? (seconds, keys) : throw new InvalidOperationException($"FASTER found {found:N0} of {reads:N0} keys.");
    }
}
