using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>Shared pieces of the snapshot tests: small engines over a test directory, feeding generated streams.</summary>
internal static class SnapshotRun
{
    public static EngineOptions Options(AttributionConfig config, int shards, string stateDirectory, List<string>? log = null) => new()
    {
        Attribution = config,
        Shards = shards,
        RingSize = 256,
        ExpireEveryEvents = 64, // sweep often: sweeps must never disturb a snapshot
        ClickMemoryBytes = 1 << 20,
        ConversionMemoryBytes = 1 << 20,
        IndexBuckets = 1 << 10,
        StateDirectory = stateDirectory,
        Logger = log is null ? null : line =>
        {
            lock (log)
            {
                log.Add(line);
            }
            TestContext.Out.WriteLine("engine: " + line);
        },
    };

    /// <summary>Submits items [from, to) with position = index and the item's partition (expiry marks are not records).</summary>
    public static void Submit(AttributionEngine engine, List<SimEvent> items, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            SimEvent item = items[i];
            if (item.Kind == SimKind.Expire)
            {
                continue;
            }
            byte[] line = item.Kind == SimKind.Malformed ? Encoding.UTF8.GetBytes(item.RawLine!) : CodecSimEventDecoders.Render(item);
            engine.Submit(line, position: i, partition: item.Partition);
        }
    }

    /// <summary>Outputs grouped by partition, in delivery order, as (position, output).</summary>
    public static Dictionary<int, List<(long Position, AttributedOutput Output)>> ByPartition(CollectingOutput output)
    {
        lock (output.Items)
        {
            return output.Items.GroupBy(x => x.Output.Partition)
                .ToDictionary(g => g.Key, g => g.Select(x => (x.Position, x.Output)).ToList());
        }
    }

    /// <summary>Runs the whole stream through a fresh engine: the uninterrupted reference run.</summary>
    public static (Dictionary<int, List<(long Position, AttributedOutput Output)>> Outputs, StateDump State) Uninterrupted(AttributionConfig config, List<SimEvent> items, int shards, string directory)
    {
        var output = new CollectingOutput();
        using var engine = new AttributionEngine(Options(config, shards, directory), output);
        Submit(engine, items, 0, items.Count);
        engine.Flush();
        return (ByPartition(output), StateDump.Of(engine));
    }

    /// <summary>Null when the two per-partition output sequences are equal, else the first difference.</summary>
    public static string? Difference(Dictionary<int, List<(long Position, AttributedOutput Output)>> expected, Dictionary<int, List<(long Position, AttributedOutput Output)>> actual)
    {
        foreach (int p in expected.Keys.Union(actual.Keys).Order())
        {
            var e = expected.GetValueOrDefault(p) ?? [];
            var a = actual.GetValueOrDefault(p) ?? [];
            for (int i = 0; i < Math.Max(e.Count, a.Count); i++)
            {
                var ei = i < e.Count ? e[i] : default;
                var ai = i < a.Count ? a[i] : default;
                if (i >= e.Count || i >= a.Count || ei.Position != ai.Position || ei.Output != ai.Output)
                {
                    return $"partition {p}, output {i}: expected {(i < e.Count ? $"@{ei.Position} {ei.Output}" : "nothing")}, got {(i < a.Count ? $"@{ai.Position} {ai.Output}" : "nothing")}";
                }
            }
        }
        return null;
    }

    /// <summary>Concatenates per-partition outputs of two runs (before and after a crash).</summary>
    public static Dictionary<int, List<(long Position, AttributedOutput Output)>> Concat(
        Dictionary<int, List<(long Position, AttributedOutput Output)>> first, Dictionary<int, List<(long Position, AttributedOutput Output)>> second)
    {
        var all = first.ToDictionary(kv => kv.Key, kv => kv.Value.ToList());
        foreach (var (p, list) in second)
        {
            if (!all.TryGetValue(p, out var l))
            {
                all[p] = l = [];
            }
            l.AddRange(list);
        }
        return all;
    }
}
