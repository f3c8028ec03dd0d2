using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Engine.State;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// Everything an engine's result depends on, read on the shard threads through a command: every
/// live entry of both tables (hex key → hex value), every partition's watermark and applied position.
/// Two engines with equal dumps produce equal outputs for equal input. Expired entries are swept
/// first: when a sweep ran differs between runs (it never changes outputs), so only the swept state is canonical.
/// </summary>
internal sealed record StateDump(SortedDictionary<string, string> Clicks, SortedDictionary<string, string> Conversions, SortedDictionary<int, (long Position, long Watermark)> Partitions)
{
    public static StateDump Of(AttributionEngine engine)
    {
        var command = new DumpCommand(engine.Options.Shards);
        engine.Execute(command, TimeSpan.FromMinutes(1));
        return new StateDump(command.Clicks, command.Conversions, command.Partitions);
    }

    /// <summary>Null when equal, else the first difference.</summary>
    public string? Difference(StateDump other)
    {
        return Compare("click", Clicks, other.Clicks) ?? Compare("conversion", Conversions, other.Conversions)
            ?? Compare("partition", Partitions, other.Partitions);
    }

    private static string? Compare<TKey, TValue>(string what, SortedDictionary<TKey, TValue> a, SortedDictionary<TKey, TValue> b) where TKey : notnull
    {
        if (a.Count != b.Count)
        {
            return $"{what} entries: {a.Count} vs {b.Count}";
        }
        foreach (var (k, v) in a)
        {
            if (!b.TryGetValue(k, out var w) || !EqualityComparer<TValue>.Default.Equals(v, w))
            {
                return $"{what} {k}: {v} vs {(b.ContainsKey(k) ? w?.ToString() : "absent")}";
            }
        }
        return null;
    }

    private sealed class DumpCommand(int shards) : ShardCommand
    {
        private readonly object _lock = new();

        public SortedDictionary<string, string> Clicks { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<string, string> Conversions { get; } = new(StringComparer.Ordinal);
        public SortedDictionary<int, (long, long)> Partitions { get; } = new();

        public override void Execute(ShardHandler shard)
        {
            shard.Sweep();
            var clicks = new Collector(new List<(string, string)>());
            var conversions = new Collector(new List<(string, string)>());
            shard.Core.Clicks.Sweep(ref clicks);
            shard.Core.Conversions.Sweep(ref conversions);
            lock (_lock)
            {
                foreach (var (k, v) in clicks.Entries)
                {
                    Clicks.Add(k, v);
                }
                foreach (var (k, v) in conversions.Entries)
                {
                    Conversions.Add(k, v);
                }
                PartitionWatermarks w = shard.Core.Watermarks;
                ReadOnlySpan<long> positions = shard.Positions;
                for (int p = shard.Index; p < Math.Max(positions.Length, w.Capacity); p += shards)
                {
                    long position = p < positions.Length ? positions[p] : -1;
                    if (position >= 0 || w.Get(p) != PartitionWatermarks.None)
                    {
                        Partitions.Add(p, (position, w.Get(p)));
                    }
                }
            }
        }
    }

    private readonly struct Collector(List<(string, string)> entries) : IStateSweeper
    {
        public List<(string, string)> Entries => entries;

        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            entries.Add((Convert.ToHexString(key), Convert.ToHexString(value)));
            return false;
        }
    }
}
