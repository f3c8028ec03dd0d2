using Attribution.Host.Demo;

namespace Attribution.Tests.Host.Demo;

/// <summary>
/// The demo generator's promise for mis-keyed traffic: consumed in any order that moves events by less than the
/// order slack against each other, and partitioned differently, it has exactly the attributions of the
/// generation order (reference model both times; what is under test is the generated traffic).
/// </summary>
public class TrafficGeneratorOrderTests
{
    private const int Events = 20_000;
    private const int Rate = 1_000;
    private const long StartMs = 1_767_225_600_000;

    [Test]
    public void Mis_keyed_traffic_reordered_within_the_slack_has_the_attributions_of_the_generation_order()
    {
        int seed = TestSeed.Get();
        var generated = DemoTraffic.Regenerate(seed, Events, Rate, StartMs, TrafficGenerator.MisKeyedOrderSlackMs);
        foreach (var pair in generated.GroupBy(g => (g.Event.UserId, g.Event.CampaignId)))
        {
            var times = pair.Select(g => g.GeneratedAtMs).ToList();
            Assert.That(times.Zip(times.Skip(1), (a, b) => b - a), Has.All.GreaterThanOrEqualTo(TrafficGenerator.MisKeyedOrderSlackMs),
                $"seed {seed}: events of {pair.Key} closer than the order slack");
        }
        var expected = DemoTraffic.Reference(generated.Select(g => g.Event), partitions: 64);
        var reordered = DemoTraffic.Reference(Interleave(generated, new Random(seed), TrafficGenerator.MisKeyedOrderSlackMs), partitions: 4);
        TestContext.Out.WriteLine($"{expected.Count} attributions in generation order, {reordered.Count} reordered");
        Assert.That(expected, Has.Count.GreaterThan(1_000), "enough attributions to mean something");
        Assert.That(DemoTraffic.Difference(expected, reordered), Is.Null, $"seed {seed}");
    }

    [Test]
    public void Traffic_without_slack_reordered_the_same_way_changes_attributions()
    {
        // The control: the same reordering is strong enough to matter when the generator gives no slack.
        int seed = TestSeed.Get();
        var generated = DemoTraffic.Regenerate(seed, Events, Rate, StartMs, orderSlackMs: 0);
        var expected = DemoTraffic.Reference(generated.Select(g => g.Event), partitions: 64);
        var reordered = DemoTraffic.Reference(Interleave(generated, new Random(seed), TrafficGenerator.MisKeyedOrderSlackMs), partitions: 4);
        string? difference = DemoTraffic.Difference(expected, reordered);
        TestContext.Out.WriteLine(difference);
        Assert.That(difference, Is.Not.Null, $"seed {seed}");
    }

    // Four input partitions (event index mod 4, like round-robin), each consumed with its own lag that changes every
    // few hundred events; a partition keeps its order and every event arrives less than maxLagMs after it was generated,
    // so events generated at least maxLagMs apart never swap.
    private static IEnumerable<Engine.Attribution.SimEvent> Interleave(List<DemoTraffic.Generated> generated, Random rng, long maxLagMs)
    {
        const int Partitions = 4;
        var arrivals = new List<(long Arrival, int Index)>(generated.Count);
        var last = new long[Partitions];
        var lag = new long[Partitions];
        for (int i = 0; i < generated.Count; i++)
        {
            int p = i % Partitions;
            if (i / Partitions % 300 == 0)
            {
                lag[p] = rng.NextInt64(maxLagMs);
            }
            last[p] = Math.Max(last[p], generated[i].GeneratedAtMs + lag[p]);
            arrivals.Add((last[p], i));
        }
        return arrivals.OrderBy(a => a.Arrival).ThenBy(a => a.Index % Partitions).ThenBy(a => a.Index).Select(a => generated[a.Index].Event);
    }
}
