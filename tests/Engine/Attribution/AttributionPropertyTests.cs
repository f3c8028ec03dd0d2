using System.Text;
using Attribution.Engine.Attribution;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>The core against <see cref="ReferenceModel"/> on random streams, with shrinking of failures.</summary>
public class AttributionPropertyTests
{
    [Test]
    public void Core_matches_the_reference_model_on_random_streams()
    {
        AssertMatchesReference(SimEventDecoders.Direct, TestSeed.Get(), iterations: 200, eventsPerStream: 2_000);
    }

    /// <summary>
    /// Asserts <see cref="CompareWithReference"/> finds no difference and that the streams reached
    /// every outcome, both window edges and the reject path, so a weak generator cannot pass silently.
    /// Call it with another decoder (e.g. through the JSON codec) to test that path the same way.
    /// </summary>
    public static void AssertMatchesReference(SimEventDecoder decoder, int seed, int iterations, int eventsPerStream)
    {
        ReferenceComparison run = CompareWithReference(decoder, seed, iterations, eventsPerStream);
        TestContext.Out.WriteLine("outcomes: " + string.Join(", ",
            Enumerable.Range(0, run.OutcomeTotals.Length).Select(o => $"{AttributionOutcomes.Name((AttributionOutcome)o)}={run.OutcomeTotals[o]}")));
        TestContext.Out.WriteLine($"attributed at 0 ms: {run.AttributedAtZero}, at exactly the window: {run.AttributedAtWindow}, rejected lines: {run.Rejected}");
        Assert.That(run.Failure, Is.Null);
        Assert.Multiple(() =>
        {
            Assert.That(run.OutcomeTotals, Has.All.GreaterThan(0), "every outcome must occur");
            Assert.That(run.AttributedAtZero, Is.GreaterThan(0));
            Assert.That(run.AttributedAtWindow, Is.GreaterThan(0));
            Assert.That(run.Rejected, Is.GreaterThan(0));
        });
    }

    /// <summary>
    /// Runs <paramref name="iterations"/> random streams through the core (decoding each item with
    /// <paramref name="decoder"/>) and the reference model. On the first difference it shrinks the
    /// stream and returns a report with the seed and a minimal reproduction; otherwise coverage totals.
    /// </summary>
    public static ReferenceComparison CompareWithReference(SimEventDecoder decoder, int seed, int iterations, int eventsPerStream)
    {
        var rng = new Random(seed);
        var outcomeTotals = new long[AttributionOutcomes.Count];
        long atZero = 0, atWindow = 0, rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            int streamSeed = rng.Next();
            (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(streamSeed, eventsPerStream);
            RunResult expected = AttributionRun.Reference(config, items);
            RunResult actual;
            string? difference;
            try
            {
                actual = AttributionRun.Core(config, items, decoder);
                difference = AttributionRun.Difference(expected, actual, items);
            }
            catch (Exception ex)
            {
                actual = expected;
                difference = "the core threw " + ex;
            }
            if (difference is not null)
            {
                return new ReferenceComparison(Report(decoder, seed, i, streamSeed, config, items, difference), outcomeTotals, atZero, atWindow, rejected);
            }
            for (int o = 0; o < outcomeTotals.Length; o++)
            {
                outcomeTotals[o] += actual.OutcomeCounts[o];
            }
            atZero += actual.Outputs.Count(x => x.ConversionTime == x.ClickTime);
            atWindow += actual.Outputs.Count(x => x.ConversionTime - x.ClickTime == config.WindowMs);
            rejected += actual.Rejections.Values.Sum();
        }
        return new ReferenceComparison(null, outcomeTotals, atZero, atWindow, rejected);
    }

    private static string Report(SimEventDecoder decoder, int seed, int iteration, int streamSeed, AttributionConfig config, List<SimEvent> items, string difference)
    {
        List<SimEvent> minimal = StreamShrinker.Shrink(items, candidate => Fails(decoder, config, candidate));
        string? minimalDifference = Difference(decoder, config, minimal);
        var text = new StringBuilder();
        text.AppendLine($"Core and reference differ (seed {seed}, stream {iteration}, stream seed {streamSeed}; replay with ATTRIBUTION_SEED={seed}).");
        text.AppendLine($"First difference in the full stream of {items.Count} items: {difference}");
        text.AppendLine($"Config: {config}");
        text.AppendLine($"Minimal reproduction ({minimal.Count} items): {minimalDifference}");
        foreach (SimEvent e in minimal)
        {
            text.AppendLine("  " + e);
        }
        return text.ToString();
    }

    private static bool Fails(SimEventDecoder decoder, AttributionConfig config, IReadOnlyList<SimEvent> items)
        => Difference(decoder, config, items) is not null;

    private static string? Difference(SimEventDecoder decoder, AttributionConfig config, IReadOnlyList<SimEvent> items)
    {
        try
        {
            return AttributionRun.Difference(AttributionRun.Reference(config, items), AttributionRun.Core(config, items, decoder), items);
        }
        catch (Exception ex)
        {
            return "the core threw " + ex.GetType().Name + ": " + ex.Message;
        }
    }

    [Test]
    public void A_deliberately_broken_decoder_is_caught_and_shrunk_to_a_minimal_reproduction()
    {
        // Shifts every conversion by one millisecond: the window edges and same-millisecond cases must
        // expose it, and the shrinker must reduce the stream to a click and the conversion it mis-attributes.
        static global::Attribution.Engine.Events.RejectReason OffByOne(SimEvent item, ref global::Attribution.Engine.Events.EventRecord record)
        {
            var reason = SimEventDecoders.Direct(item, ref record);
            if (item.Kind == SimKind.Conversion)
            {
                record.Timestamp += 1;
            }
            return reason;
        }

        string? message = CompareWithReference(OffByOne, seed: 1234, iterations: 50, eventsPerStream: 500).Failure;
        Assert.That(message, Is.Not.Null, "an off-by-one millisecond must be detected");
        TestContext.Out.WriteLine(message);
        Assert.That(message, Does.Contain("ATTRIBUTION_SEED=1234"));
        int minimalLines = message!.Split('\n').Count(l => l.StartsWith("  p", StringComparison.Ordinal));
        Assert.That(minimalLines, Is.InRange(1, 3), "a 1-minimal reproduction of an off-by-one needs at most a click and a conversion or two");
    }

    [Test]
    public void Shrinker_finds_a_one_minimal_failing_subsequence()
    {
        var items = Enumerable.Range(0, 500).ToList();
        // Fails when 17 comes before 300 and 450 is present.
        List<int> minimal = StreamShrinker.Shrink(items, s => s.Contains(450) && s.Contains(17) && s.Contains(300) && IndexOf(s, 17) < IndexOf(s, 300));
        Assert.That(minimal, Is.EqualTo(new[] { 17, 300, 450 }));
    }

    private static int IndexOf(IReadOnlyList<int> items, int value)
    {
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i] == value)
            {
                return i;
            }
        }
        return -1;
    }
}
