using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Host.Run;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Reliability;
using Attribution.Tests.Engine.Snapshots;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>`run --state-dir`: one host per state directory, and snapshot failures visible from the start.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunStateDirectoryTests
{
    [Test]
    public void A_host_on_a_held_state_dir_exits_1_naming_the_holder_before_it_touches_Kafka_or_the_directory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "attribution-run-lock-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var holder = AttributionEngine.Open(new EngineOptions { StateDirectory = dir, Shards = 1 }, new CollectingOutput());
            holder.Snapshot();
            List<string> before = DirectoryTree.Describe(dir);
            var stderr = new StringWriter();
            var clock = Stopwatch.StartNew();
            // Nothing listens on port 1: had the host gone to Kafka first it would wait for its start-up timeout.
            int code = RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--state-dir", dir], new Dictionary<string, string>(), stderr, CancellationToken.None);
            string last = stderr.ToString().TrimEnd().Split('\n')[^1];
            TestContext.Out.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {last}");
            Assert.That(code, Is.EqualTo(1));
            Assert.That(last, Does.StartWith($"attribution run: The state directory '{dir}' is in use by process {Environment.ProcessId} on host {Environment.MachineName} ("));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "refused before any Kafka connection");
            Assert.That(DirectoryTree.Describe(dir), Is.EqualTo(before), "no file of the state directory changed");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void The_snapshot_failure_metric_is_served_at_0_from_start_up_and_each_failure_is_logged()
    {
        using var fs = ScratchFileSystem.Mount(5L << 20); // far too small for a snapshot of two shards' tables
        using var cluster = StartCluster(1);
        int port = RunTestKit.FreePort();
        using var host = HostProcess.Start(HostArgs(cluster, new AttributionConfig(), "failing",
            "--state-dir", Path.Combine(fs.Path, "state"), "--snapshot-interval", "500ms", "--metrics-port", port.ToString(CultureInfo.InvariantCulture)));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        string? first = null;
        Assert.That(SpinUntil(() => (first = TryGet(http, port)) is not null, TimeSpan.FromSeconds(60)), Is.True, () => host.StderrText);
        Assert.That(first, Does.Contain("\nattribution_snapshot_failures_total 0\n"), "present before any snapshot");

        Func<int> failedLines = () => host.Stderr.Count(l => l.Contains(" snapshot ", StringComparison.Ordinal) && l.Contains("failed reason=", StringComparison.Ordinal));
        Assert.That(SpinUntil(() => failedLines() >= 1, TimeSpan.FromSeconds(60)), Is.True, () => host.StderrText);
        TestContext.Out.WriteLine(host.Stderr.First(l => l.Contains("failed reason=", StringComparison.Ordinal)));
        // The counter and the log agree (the counter is raised before the line is written).
        string? metrics = null;
        Assert.That(SpinUntil(() => (metrics = TryGet(http, port)) is not null && Failures(metrics) == failedLines(), TimeSpan.FromSeconds(30)), Is.True,
            () => $"metric {Failures(metrics ?? "")} vs {failedLines()} lines:\n{host.StderrText}");
        Assert.That(Failures(metrics!), Is.GreaterThanOrEqualTo(1));
        host.Terminate();
        host.WaitForExit(TimeSpan.FromSeconds(30));
    }

    private static long Failures(string metrics)
    {
        Match m = Regex.Match(metrics, @"\nattribution_snapshot_failures_total (\d+)\n");
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    private static string? TryGet(HttpClient http, int port)
    {
        try
        {
            return http.GetStringAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static bool SpinUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(20);
        }
        return true;
    }
}
