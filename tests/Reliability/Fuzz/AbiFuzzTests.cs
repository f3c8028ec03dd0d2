using System.Diagnostics;
using System.Globalization;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Reliability.Fuzz;

/// <summary>
/// Fuzzing of the decoders and the C ABI entry points (<see cref="AbiFuzzer"/>): a short seeded run in CI, a long one
/// with <c>scripts/fuzz.sh --minutes N</c>, and a replay of the committed corpus (seeds and every past finding, kept as
/// <c>corpus/fuzz/&lt;target&gt;/regression-*</c>).
/// </summary>
[NonParallelizable]
public class AbiFuzzTests
{
    /// <summary>Seconds of fuzzing (default 8).</summary>
    public const string SecondsVariable = "ATTRIBUTION_FUZZ_SECONDS";

    [Test]
    public void Fuzzed_records_batches_configurations_and_queries_keep_every_invariant()
    {
        double seconds = Environment.GetEnvironmentVariable(SecondsVariable) is { Length: > 0 } configured
            ? double.Parse(configured, CultureInfo.InvariantCulture) : 8;
        int seed = TestSeed.Get();
        var clock = Stopwatch.StartNew();
        FuzzFinding? finding;
        string summary;
        using var fuzzer = new AbiFuzzer(seed);
        finding = fuzzer.Run(TimeSpan.FromSeconds(seconds));
        summary = $"{fuzzer.Cases.Values.Sum()} cases ({string.Join(", ", fuzzer.Cases.Select(kv => $"{kv.Key} {kv.Value}"))}); {fuzzer.Features} behaviours, {fuzzer.Kept} inputs kept";
        ReliabilityReport.Add(new ReliabilityRow("fuzzing", $"mutation fuzzing of the decoders and the C ABI entry points, {seconds:F0} s", fuzzer.Cases.Values.Sum(), clock.Elapsed,
            summary + (finding is null ? "; no finding" : $"; finding: {finding.Target} {finding.Message}"),
            fuzzer.Lost, fuzzer.Duplicated, fuzzer.Crashes, fuzzer.Hangs, ReliabilityReport.TestCommand(nameof(AbiFuzzTests), seed, seconds == 8 ? null : $"{SecondsVariable}={seconds.ToString(CultureInfo.InvariantCulture)}")));
        TestContext.Out.WriteLine(summary);
        // A finding ends the run early: report it before judging how far the run got.
        if (finding is not null)
        {
            string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "fuzz-findings");
            Directory.CreateDirectory(dir);
            string file = Path.Combine(dir, $"regression-{finding.Target.ToString().ToLowerInvariant()}-{seed}.bin");
            File.WriteAllBytes(file, finding.Input);
            Assert.Fail($"{finding}\nSaved to {file}: copy it to tests/Reliability/corpus/fuzz/{finding.Target.ToString().ToLowerInvariant()}/ as a regression.");
        }
        Assert.That(fuzzer.Cases.Keys, Is.EquivalentTo(Enum.GetValues<FuzzTarget>()), "every target was fuzzed");
        Assert.That(fuzzer.Cases.Values.Sum(), Is.GreaterThan(2_000), "enough cases to mean anything");
        Assert.That(fuzzer.Features, Is.GreaterThan(30), "the mutants reach many behaviours, not only one rejection");
    }

    [Test]
    public void Committed_fuzz_corpus_and_regressions_replay_cleanly()
    {
        var failures = new List<string>();
        int count = 0;
        using (var fuzzer = new AbiFuzzer(0))
        {
            foreach (FuzzTarget target in Enum.GetValues<FuzzTarget>())
            {
                foreach (var (name, bytes) in AbiFuzzer.Seeds(target))
                {
                    count++;
                    var (failure, _) = fuzzer.Check(target, bytes);
                    if (failure is not null)
                    {
                        failures.Add($"{target} {name}: {failure}");
                    }
                }
            }
            if (fuzzer.Finish() is { } after)
            {
                failures.Add(after.ToString());
            }
        }
        TestContext.Out.WriteLine($"{count} committed inputs replayed");
        Assert.That(count, Is.GreaterThan(100));
        Assert.That(failures, Is.Empty);
    }
}
