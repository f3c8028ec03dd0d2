using System.Globalization;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// A generated stream for checking that <c>replay</c> and the C ABI place each event by <c>XXH3_64(user_id) mod P</c>
/// (docs/SEMANTICS.md, "Partitions and event time"): users interleaved in any order, clock outliers included, and its
/// reference outcome with the oracle's partitions (<see cref="ReferencePartitioner"/>). The stream is checked to tell
/// partitionings apart: placed by arrival order (round-robin) or by the generator's Kafka-like partitions, the
/// reference's attributions differ, so a tool that partitioned any other way fails the comparison.
/// </summary>
public sealed class UserHashStream
{
    private const int Partitions = 4;

    private UserHashStream(AttributionConfig config, List<SimEvent> items, RunResult expected)
    {
        Config = config;
        Items = items;
        Expected = expected;
    }

    /// <summary>The configuration (24 h window: the C ABI takes whole milliseconds of hours).</summary>
    public AttributionConfig Config { get; }

    /// <summary>The events and bad lines, each with its XXH3 partition (bad lines keep 0).</summary>
    public List<SimEvent> Items { get; }

    /// <summary>The reference outcome over <see cref="Items"/>.</summary>
    public RunResult Expected { get; }

    /// <summary>The stream of the first seed from <paramref name="seed"/> on whose drawn window is 24 h, <paramref name="count"/> items long.</summary>
    public static UserHashStream Generate(int seed, int count)
    {
        for (int s = seed; ; s++)
        {
            var (config, generated) = StreamGenerator.Generate(s, count, partitions: Partitions);
            if (config.WindowMs != 24 * AttributionConfig.HourMs)
            {
                continue;
            }
            var items = ClockSkewInjector.Insert(generated.Where(i => i.Kind != SimKind.Expire).ToList(), s, count / 200);
            var byHash = items.Select(i => i.Kind == SimKind.Malformed ? i : i with { Partition = ReferencePartitioner.Partition(i.UserId, Partitions) }).ToList();
            var expected = AttributionRun.Reference(config, byHash, guarded: true);
            var roundRobin = AttributionRun.Reference(config, items.Select((i, n) => i with { Partition = n % Partitions }).ToList(), guarded: true);
            var generatorPartitions = AttributionRun.Reference(config, items, guarded: true);
            TestContext.Out.WriteLine($"stream seed {s}: {byHash.Count} items, {expected.Outputs.Count} attributions by user hash, " +
                $"{roundRobin.Outputs.Count} by arrival order, {generatorPartitions.Outputs.Count} by the generator's partitions");
            Assert.That(Differs(expected, roundRobin) && Differs(expected, generatorPartitions), Is.True,
                $"stream seed {s} does not tell partitionings apart, so it could not catch a tool that partitions otherwise");
            return new UserHashStream(config, byHash, expected);
        }
    }

    /// <summary>The input as JSON lines (bad lines verbatim).</summary>
    public IEnumerable<string> Lines() => Items.Select(i => i.Kind == SimKind.Malformed ? i.RawLine! : Encoding.UTF8.GetString(CodecSimEventDecoders.Render(i)));

    /// <summary>Reads output lines, labelling each attribution with its user's XXH3 partition.</summary>
    public List<AttributedOutput> Parse(IEnumerable<string> lines) => lines.Where(l => l.Length > 0)
        .Select(l => CollectingOutput.Parse(ReferencePartitioner.Partition(UserOf(l), Partitions), l)).ToList();

    /// <summary>Null when <paramref name="actual"/> holds the reference's attributions in each partition's order, else the first difference.</summary>
    public string? Difference(IReadOnlyList<AttributedOutput> actual)
    {
        var expected = Expected.Outputs.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => g.ToList());
        var got = actual.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => g.ToList());
        foreach (int p in expected.Keys.Union(got.Keys).Order())
        {
            var e = expected.GetValueOrDefault(p) ?? [];
            var a = got.GetValueOrDefault(p) ?? [];
            for (int i = 0; i < Math.Max(e.Count, a.Count); i++)
            {
                if ((i < e.Count ? e[i] : null) != (i < a.Count ? a[i] : null))
                {
                    return string.Create(CultureInfo.InvariantCulture,
                        $"partition {p}, attribution {i}: expected {(i < e.Count ? e[i] : "none")}, got {(i < a.Count ? a[i] : "none")}");
                }
            }
        }
        return null;
    }

    private static bool Differs(RunResult a, RunResult b) => !a.Outputs.Select(o => o with { Partition = 0 }).SequenceEqual(b.Outputs.Select(o => o with { Partition = 0 }));

    private static string UserOf(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("user_id").GetString()!;
    }
}
