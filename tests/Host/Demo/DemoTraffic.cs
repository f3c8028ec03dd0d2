using System.Text.Json;
using Attribution.Engine.Attribution;
using Attribution.Host.Demo;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Host.Demo;

/// <summary>The demo's paced traffic generated again in-process, as the reference model reads it.</summary>
internal static class DemoTraffic
{
    /// <summary>One well-formed event and its generation clock.</summary>
    internal readonly record struct Generated(SimEvent Event, long GeneratedAtMs);

    /// <summary>
    /// The well-formed events of <c>demo --seed --rate --events --start-time</c> in generation order
    /// (bad records left out; their count is checked against the generator's).
    /// </summary>
    public static List<Generated> Regenerate(int seed, int events, int rate, long startMs, long orderSlackMs)
    {
        var generator = new TrafficGenerator(seed, orderSlackMs: orderSlackMs);
        var items = new List<Generated>();
        long bad = 0;
        for (long i = 0; i < events; i++)
        {
            long now = TrafficGenerator.PacedClock(startMs, i, rate);
            var (_, value) = generator.Next(now);
            if (Parse(value) is { } e)
            {
                items.Add(new Generated(e, now));
            }
            else
            {
                bad++;
            }
        }
        Assert.That(bad, Is.EqualTo(generator.Bad), "the events the reference skips are the generator's bad records");
        return items;
    }

    /// <summary>The reference model's outputs for <paramref name="items"/> in the given order, keyed by user into <paramref name="partitions"/>.</summary>
    public static List<AttributedOutput> Reference(IEnumerable<SimEvent> items, int partitions)
    {
        var config = new AttributionConfig(); // the demo's settings: defaults
        var keyed = items.Select(e => e with { Partition = ReferencePartitioner.Partition(e.UserId, partitions) }).ToList();
        return AttributionRun.Reference(config, keyed, guarded: true).Outputs.Select(o => o with { Partition = 0 }).ToList();
    }

    /// <summary>The first difference between two sets of outputs compared by conversion id, or null.</summary>
    public static string? Difference(IReadOnlyList<AttributedOutput> expected, IReadOnlyList<AttributedOutput> actual)
    {
        var doubled = actual.GroupBy(o => o.ConversionId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var byId = actual.GroupBy(o => o.ConversionId).ToDictionary(g => g.Key, g => g.First());
        var expectedIds = expected.Select(o => o.ConversionId).ToHashSet();
        var missing = expected.Where(o => !byId.ContainsKey(o.ConversionId)).ToList();
        var extra = actual.Where(o => !expectedIds.Contains(o.ConversionId)).ToList();
        var different = expected.Where(o => byId.TryGetValue(o.ConversionId, out var a) && a != o).ToList();
        if (doubled.Count + missing.Count + extra.Count + different.Count == 0)
        {
            return null;
        }
        return $"{actual.Count} attributions, reference {expected.Count}: {doubled.Count} doubled, {missing.Count} missing, {extra.Count} extra, {different.Count} with other content; "
            + $"first missing {missing.FirstOrDefault()?.ToString() ?? "-"}; first extra {extra.FirstOrDefault()?.ToString() ?? "-"}; "
            + $"first different {different.Select(o => $"{o} vs {byId[o.ConversionId]}").FirstOrDefault() ?? "-"}";
    }

    // A well-formed click or conversion as the contract reads it (docs/SEMANTICS.md, wire formats); anything else is null.
    private static SimEvent? Parse(byte[]? value)
    {
        if (value is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(value);
            var r = doc.RootElement;
            string? Text(string name) => r.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (Text("event_id") is not { } id || Text("user_id") is not { } user || Text("campaign_id") is not { } campaign
                || !r.TryGetProperty("timestamp", out var t) || t.ValueKind != JsonValueKind.Number)
            {
                return null;
            }
            return Text("event_type") switch
            {
                "click" when Text("ad_id") is { } ad && Text("source") is { } source => SimEvent.Click(id, user, campaign, t.GetInt64(), ad, source),
                "conversion" => SimEvent.Conversion(id, user, campaign, t.GetInt64(), Text("type"),
                    r.TryGetProperty("value", out var v) ? v.GetRawText() : null, Text("source")),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
