using System.Globalization;
using System.Text.Json;
using Attribution.Engine.Attribution;
using Attribution.Host.Demo;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Host.Run;

namespace Attribution.Tests.Host.Demo;

/// <summary>
/// The built apphost runs <c>attribution demo</c> with its input keyed by user id and mis-keyed (a session id,
/// round-robin partitions); the attributed conversions it reads back from its output topic must be exactly
/// the reference model's for the same traffic, generated again here from the seed, rate and start time.
/// </summary>
/// <remarks>
/// Oracle: <see cref="ReferenceModel"/> fed with the generated events in generation order, keyed by user
/// (partition = <see cref="ReferencePartitioner"/>, as replay does). A mis-keyed user's events sit on several
/// input partitions, so the engine sees them in generation order only up to how partitions interleave. The
/// generator makes that harmless for mis-keyed input: the events of one (user, campaign) are at least
/// <see cref="TrafficGenerator.MisKeyedOrderSlackMs"/> (2 s) of generation time apart (checked below on the
/// regenerated stream), and only clicks are sent hours late, so the check assumes consumption moves a user's
/// events by less than 2 s of generation time against each other — at 1,000 events/s, 2,000 events. Keyed by
/// user (no slack), Kafka keeps each user's order and the check is exact without that assumption.
/// </remarks>
[Category(TestCategories.Slow)]
public class DemoMisKeyedTests
{
    private const int Events = 6_000;
    private const int Rate = 1_000;
    private const long StartMs = 1_767_225_600_000; // 2026-01-01: the engine judges event time only

    [TestCase("user")]
    [TestCase("session")]
    [TestCase("round-robin")]
    public void Demo_output_holds_every_attribution_of_the_reference_whatever_the_input_keys(string keys)
    {
        int seed = TestSeed.Get();
        long slack = new DemoOptions { InputKeys = keys == "user" ? DemoInputKeys.User : DemoInputKeys.Session }.OrderSlackMs;
        List<AttributedOutput> expected = ReferenceOutputs(seed, slack);
        string output = Path.Combine(Path.GetTempPath(), $"attribution-demo-{Guid.NewGuid():N}.jsonl");
        try
        {
            using var demo = HostProcess.Start(
            [
                "demo", "--events", Events.ToString(CultureInfo.InvariantCulture), "--rate", Rate.ToString(CultureInfo.InvariantCulture),
                "--seed", seed.ToString(CultureInfo.InvariantCulture), "--start-time", StartMs.ToString(CultureInfo.InvariantCulture),
                "--input-keys", keys, "--partitions", "4", "--shards", "2", "--output-file", output,
            ]);
            int exit = demo.WaitForExit(TimeSpan.FromMinutes(4));
            TestContext.Out.WriteLine(demo.StderrText);
            Assert.That(exit, Is.EqualTo(0), "the demo's exit code");
            Assert.That(demo.StderrText, Does.Contain("input keyed by"), "the summary says how the input was keyed");

            var actual = File.ReadAllLines(output).Select(l => CollectingOutput.Parse(0, l)).ToList();
            var duplicated = actual.GroupBy(o => o.ConversionId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.That(duplicated, Is.Empty, $"seed {seed}: conversions attributed more than once");
            var byId = actual.ToDictionary(o => o.ConversionId);
            var missing = expected.Where(o => !byId.ContainsKey(o.ConversionId)).ToList();
            var extra = actual.Where(o => expected.All(e => e.ConversionId != o.ConversionId)).ToList();
            var different = expected.Where(o => byId.TryGetValue(o.ConversionId, out var a) && a != o).ToList();
            TestContext.Out.WriteLine($"--input-keys {keys}: {actual.Count} attributions, reference {expected.Count}; missing {missing.Count}, extra {extra.Count}, different {different.Count}");
            Assert.That(expected, Has.Count.GreaterThan(100), "enough attributions to mean something");
            Assert.That(missing.Select(o => o.ToString()).Take(5), Is.Empty, $"seed {seed}: attributions the reference has and the demo lost ({missing.Count})");
            Assert.That(extra.Select(o => o.ToString()).Take(5), Is.Empty, $"seed {seed}: attributions the reference does not have ({extra.Count})");
            Assert.That(different.Select(o => $"{o} vs {byId[o.ConversionId]}").Take(5), Is.Empty, $"seed {seed}: attributions with other content ({different.Count})");
        }
        finally
        {
            File.Delete(output);
        }
    }

    // The demo's traffic generated again (same seed and clock), run through the reference in generation order.
    private static List<AttributedOutput> ReferenceOutputs(int seed, long slack)
    {
        var config = new AttributionConfig(); // the demo's settings: defaults
        var generator = new TrafficGenerator(seed, orderSlackMs: slack);
        var items = new List<SimEvent>();
        var lastOfPair = new Dictionary<(string, string), long>();
        long bad = 0;
        for (long i = 0; i < Events; i++)
        {
            long now = TrafficGenerator.PacedClock(StartMs, i, Rate);
            var (_, value) = generator.Next(now);
            if (Parse(value) is not { } e)
            {
                bad++;
                continue;
            }
            if (lastOfPair.TryGetValue((e.UserId, e.CampaignId), out long last))
            {
                Assert.That(now - last, Is.GreaterThanOrEqualTo(slack), $"seed {seed}: two events of ({e.UserId}, {e.CampaignId}) closer than the order slack, event {i}");
            }
            lastOfPair[(e.UserId, e.CampaignId)] = now;
            items.Add(e with { Partition = ReferencePartitioner.Partition(e.UserId, config.Partitions) });
        }
        Assert.That(bad, Is.EqualTo(generator.Bad), "the events the reference skips are the generator's bad records");
        return AttributionRun.Reference(config, items, guarded: true).Outputs.Select(o => o with { Partition = 0 }).ToList();
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
