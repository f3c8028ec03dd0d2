using System.Diagnostics;
using Attribution.Tests.Engine.Attribution;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>A host with a state directory: snapshots at transaction boundaries, restart from the newest one.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunSnapshotTests
{
    [Test]
    public void Host_killed_and_restarted_on_its_state_directory_resumes_after_its_snapshot_and_stays_exact()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 6_000);
        string stateDir = Path.Combine(Path.GetTempPath(), $"attribution-run-state-{Guid.NewGuid():N}");
        try
        {
            using var cluster = StartCluster(s.Partitions);
            int half = s.Items.Count / 2;
            ProduceWithKcat(kcat, cluster, s, 0, half);
            string[] stateArgs = ["--state-dir", stateDir, "--snapshot-interval", "300ms"];
            using (var first = HostProcess.Start(HostArgs(cluster, s.Config, "snap", stateArgs)))
            {
                Assert.That(WaitForCommitted(cluster, Ends(s, half), TimeSpan.FromSeconds(60), first), Is.True, () => first.StderrText);
                // A snapshot cut after the whole first half was consumed (each cut follows a commit of everything consumed).
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(30) && !first.Stderr.Any(l => l.Contains($"snapshot taken", StringComparison.Ordinal) && l.Contains($" consumed={half} ", StringComparison.Ordinal)))
                {
                    Thread.Sleep(100);
                }
                first.Kill();
                TestContext.Out.WriteLine(string.Join("\n", first.Stderr.Where(l => l.Contains("snapshot", StringComparison.Ordinal)).TakeLast(2)));
            }

            // Other results-determining settings on the same state directory: refused at start.
            using (var mismatched = HostProcess.Start(HostArgs(cluster, s.Config with { ClickHistory = s.Config.ClickHistory % 4 + 1 }, "snap", stateArgs)))
            {
                Assert.That(mismatched.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(2), () => mismatched.StderrText);
                Assert.That(mismatched.Stderr[^1], Does.Contain("was taken with other settings"));
            }

            ProduceWithKcat(kcat, cluster, s, half, s.Items.Count);
            using var second = HostProcess.Start(HostArgs(cluster, s.Config, "snap", stateArgs));
            Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), TimeSpan.FromSeconds(60), second), Is.True, () => second.StderrText);
            second.Terminate();
            Assert.That(second.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => second.StderrText);
            var resumed = second.Stderr.Where(l => l.Contains("from_snapshot_position=", StringComparison.Ordinal)).ToList();
            TestContext.Out.WriteLine(string.Join("\n", resumed));
            Assert.That(resumed, Is.Not.Empty, () => $"no partition resumed from the snapshot:\n{second.StderrText}");
            Assert.That(Verdict(cluster, s), Is.Null);
        }
        finally
        {
            if (Directory.Exists(stateDir))
            {
                Directory.Delete(stateDir, recursive: true);
            }
        }
    }
}
