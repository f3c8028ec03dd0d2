using System.Diagnostics;
using System.Globalization;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Host.Replay;

/// <summary>
/// Real processes, real SIGKILLs: `attribution replay --state-dir` is killed at random moments
/// (while processing, while snapshotting, right after one) and restarted until it completes; the
/// output file then equals the reference model's output exactly — nothing lost, nothing doubled.
/// </summary>
[Category(TestCategories.Slow)]
public class ReplayCrashTests
{
    [Test]
    public void Killed_and_resumed_replay_writes_every_attribution_exactly_once()
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        string dir = Path.Combine(Path.GetTempPath(), "attribution-crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            for (int scenario = 0; scenario < 3; scenario++)
            {
                int streamSeed = rng.Next();
                (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(streamSeed, 40_000);
                // The replay command partitions by hash(user_id); give the reference the same partitions.
                items = items.Where(i => i.Kind != SimKind.Expire)
                    .Select(i => i.Kind == SimKind.Malformed ? i : i with { Partition = ReferencePartitioner.Partition(i.UserId, config.Partitions) })
                    .ToList();
                RunResult expected = AttributionRun.Reference(config, items, guarded: true);

                string input = Path.Combine(dir, $"in-{scenario}.jsonl");
                File.WriteAllLines(input, items.Select(i => i.Kind == SimKind.Malformed ? i.RawLine! : Encoding.UTF8.GetString(CodecSimEventDecoders.Render(i))));
                string output = Path.Combine(dir, $"out-{scenario}.jsonl");
                string stateDir = Path.Combine(dir, $"state-{scenario}");
                string[] args =
                [
                    "replay", "--input", input, "--output", output, "--state-dir", stateDir, "--snapshot-every", "1500", "--quiet",
                    "--shards", "2",
                    "--window-hours", (config.WindowMs / 3_600_000d).ToString("R", CultureInfo.InvariantCulture),
                    "--allowed-lateness", config.AllowedLatenessMs + "ms",
                    "--conversion-retention", config.EffectiveConversionRetentionMs + "ms",
                    "--partitions", config.Partitions.ToString(CultureInfo.InvariantCulture),
                    "--click-history", config.ClickHistory.ToString(CultureInfo.InvariantCulture),
                ];

                int kills = 0;
                for (int attempt = 0; ; attempt++)
                {
                    Assert.That(attempt, Is.LessThan(40), $"seed {seed}: the replay never completed");
                    int killAfterMs = attempt < 4 ? rng.Next(150, 1500) : -1; // four kills, then let it finish
                    var (exit, stderr, killed) = RunChild(args, killAfterMs);
                    if (killed)
                    {
                        kills++;
                        continue;
                    }
                    Assert.That(exit, Is.EqualTo(0), $"seed {seed}: {stderr}");
                    break;
                }

                var actual = File.ReadAllLines(output).Select(l => CollectingOutput.Parse(PartitionOf(l, config), l)).ToList();
                string? difference = PerPartitionDifference(expected.Outputs, actual);
                TestContext.Out.WriteLine($"scenario {scenario}: {kills} SIGKILLs, {actual.Count} attributions, expected {expected.Outputs.Count}");
                Assert.That(difference, Is.Null, $"seed {seed} (ATTRIBUTION_SEED={seed}), scenario {scenario}, stream seed {streamSeed}, {kills} kills: {difference}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int PartitionOf(string json, AttributionConfig config)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return ReferencePartitioner.Partition(doc.RootElement.GetProperty("user_id").GetString()!, config.Partitions);
    }

    internal static string? PerPartitionDifference(IReadOnlyList<AttributedOutput> expected, IReadOnlyList<AttributedOutput> actual)
    {
        var e = expected.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => g.ToList());
        var a = actual.GroupBy(o => o.Partition).ToDictionary(g => g.Key, g => g.ToList());
        foreach (int p in e.Keys.Union(a.Keys).Order())
        {
            var ep = e.GetValueOrDefault(p) ?? [];
            var ap = a.GetValueOrDefault(p) ?? [];
            for (int i = 0; i < Math.Max(ep.Count, ap.Count); i++)
            {
                var x = i < ep.Count ? ep[i] : null;
                var y = i < ap.Count ? ap[i] : null;
                if (x != y)
                {
                    return $"partition {p}, output {i}: expected {x?.ToString() ?? "nothing (an output was doubled)"}, got {y?.ToString() ?? "nothing (an output was lost)"}";
                }
            }
        }
        return null;
    }

    /// <summary>Runs the CLI; when <paramref name="killAfterMs"/> ≥ 0 sends SIGKILL after that long (if still running).</summary>
    private static (int Exit, string Stderr, bool Killed) RunChild(string[] args, int killAfterMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (killAfterMs >= 0 && !p.WaitForExit(killAfterMs))
        {
            p.Kill(); // SIGKILL on Linux
            p.WaitForExit();
            return (-1, stderr.Result, true);
        }
        if (!p.WaitForExit(120_000))
        {
            p.Kill();
            Assert.Fail("the replay did not finish within 120 s");
        }
        return (p.ExitCode, stderr.Result, false);
    }
}
