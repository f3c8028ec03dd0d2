using System.Globalization;
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
/// <see cref="TrafficGenerator.MisKeyedOrderSlackMs"/> (2 s) of generation time apart and only clicks are sent
/// hours late (<see cref="TrafficGeneratorOrderTests"/>), so the check assumes consumption moves a user's events
/// by less than 2 s of generation time against each other — at 1,000 events/s, 2,000 events. Keyed by user
/// (no slack), Kafka keeps each user's order and the check is exact without that assumption.
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
        var expected = DemoTraffic.Reference(DemoTraffic.Regenerate(seed, Events, Rate, StartMs, slack).Select(g => g.Event), partitions: 64);
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
            TestContext.Out.WriteLine($"--input-keys {keys}: {actual.Count} attributions, reference {expected.Count}");
            Assert.That(expected, Has.Count.GreaterThan(100), "enough attributions to mean something");
            Assert.That(DemoTraffic.Difference(expected, actual), Is.Null, $"seed {seed}, --input-keys {keys}");
        }
        finally
        {
            File.Delete(output);
        }
    }
}
