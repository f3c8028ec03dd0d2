using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using Attribution.Host.Run;
using Attribution.Tests.Engine.Attribution;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The metrics endpoint of <c>attribution run</c> under a flood of idle connections from this machine: the old
/// HttpListener server accepted every one (about 20,000 made the host die with "Out of memory." in about 40 s).
/// The host runs as a child process; the flood comes from two more (a process holds at most 20,000 sockets here).
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class MetricsFloodTests
{
    private const int FloodConnections = 25_000;
    private const int FloodProcesses = 2;

    /// <summary>How long a scrape may take, retries on a closed connection included.</summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan Catchup = TimeSpan.FromSeconds(90);

    /// <summary>The flood outlives the server's idle timeout, so the first connections it kept are closed meanwhile.</summary>
    private static readonly TimeSpan HeldAtLeast = MetricsServer.KeepAliveTimeout + TimeSpan.FromSeconds(2);

    [Test]
    public void Twenty_five_thousand_idle_connections_stop_neither_the_host_nor_its_commits_nor_metrics_and_SIGTERM_stays_prompt()
    {
        var kcat = FindKcat();
        int seed = TestSeed.Get();
        var random = new Random(seed);
        var s = Generate(seed, 6_000);
        using var cluster = StartCluster(s.Partitions);
        int half = s.Items.Count / 2;
        ProduceWithKcat(kcat, cluster, s, 0, half);
        int port = FreePort();
        using var host = HostProcess.Start(HostArgs(cluster, s.Config, "flood", "--metrics-port", port.ToString(CultureInfo.InvariantCulture)));
        Assert.That(WaitForCommitted(cluster, Ends(s, half), Catchup, host), Is.True, () => $"the host did not commit the first half; stderr:\n{host.StderrText}");
        Assert.That(Scrape(port).Answered, Is.True, "metrics answer before the flood");
        using var watch = new HostWatch(host.Id);
        TestContext.Out.WriteLine($"before the flood: {watch.OpenFiles} open files, {watch.RssMb} MB resident");

        var floods = new List<IdleConnectionFlood>();
        var scrapes = new List<(string When, ScrapeResult Result)>();
        int held = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < FloodProcesses; i++)
            {
                floods.Add(IdleConnectionFlood.Start(port, FloodConnections / FloodProcesses, random));
            }
            // While the connections are being opened, and then while they are held open: scrape, and feed more input.
            foreach (var flood in floods)
            {
                while (!flood.WaitUntilOpened(TimeSpan.FromSeconds(1)) && clock.Elapsed < Catchup && !host.HasExited)
                {
                    scrapes.Add(("opening", Scrape(port)));
                }
            }
            held = floods.Sum(f => f.Held);
            TestContext.Out.WriteLine($"flood of {held} connections open after {clock.Elapsed.TotalSeconds:F1} s; failures: {string.Join(", ", floods.Select(f => f.Failures))}");
            Assert.That(host.HasExited, Is.False, () => $"the host died while the flood was opened; stderr:\n{host.StderrText}");

            ProduceWithKcat(kcat, cluster, s, half, s.Items.Count);
            var ends = Ends(s, s.Items.Count);
            var feeding = Stopwatch.StartNew();
            bool committed = false;
            var committedAfter = TimeSpan.Zero;
            while ((!committed || feeding.Elapsed < HeldAtLeast) && feeding.Elapsed < Catchup && !host.HasExited)
            {
                scrapes.Add(("held", Scrape(port)));
                if (!committed && Committed(cluster, s.Partitions).Zip(ends).All(x => x.Second == 0 || x.First >= x.Second))
                {
                    committed = true;
                    committedAfter = feeding.Elapsed;
                }
                Thread.Sleep(500);
            }
            TestContext.Out.WriteLine($"second half committed={committed} after {committedAfter.TotalSeconds:F1} s, flood held {feeding.Elapsed.TotalSeconds:F1} s; host: at most {watch.MaxOpenFiles} open files, {watch.MaxRssMb} MB resident");
            Assert.That(host.HasExited, Is.False, () => $"the host died under the flood; stderr:\n{host.StderrText}");
            Assert.That(committed, Is.True, () => $"input stopped being committed under the flood; stderr:\n{host.StderrText}");
            for (int i = 0; i < 3; i++)
            {
                scrapes.Add(("held", Scrape(port)));
            }
        }
        finally
        {
            foreach (var flood in floods)
            {
                flood.Dispose();
            }
        }
        scrapes.Add(("after", Scrape(port)));

        foreach (var group in scrapes.GroupBy(x => x.When))
        {
            var answered = group.Where(x => x.Result.Answered).Select(x => x.Result.Took.TotalMilliseconds).ToList();
            TestContext.Out.WriteLine($"scrapes {group.Key}: {answered.Count} of {group.Count()} answered within {AnswerBound.TotalSeconds:F0} s, slowest {(answered.Count > 0 ? answered.Max() : 0):F0} ms, attempts at most {group.Max(x => x.Result.Attempts)}");
        }
        var failed = scrapes.Where(x => !x.Result.Answered).ToList();
        Assert.That(failed, Is.Empty, () => $"scrapes not answered within {AnswerBound.TotalSeconds:F0} s: {string.Join("; ", failed.Take(5).Select(x => $"{x.When}: {x.Result.Error}"))}");
        Assert.That(held, Is.EqualTo(FloodConnections), "the clients opened the whole flood (the server accepted it)");
        // The host's own descriptors stay bounded: beside what it used before, the connections it accepts at most.
        Assert.That(watch.MaxOpenFiles, Is.LessThanOrEqualTo(watch.FirstOpenFiles + MetricsServer.HardConnectionLimit), "open files of the host under the flood");

        // A stop with idle connections held open stays prompt (Kestrel's own stop waits 2 s at most).
        using (var again = IdleConnectionFlood.Start(port, 2_000, random))
        {
            Assert.That(again.WaitUntilOpened(Catchup), Is.True);
            var stopping = Stopwatch.StartNew();
            host.Terminate();
            Assert.That(host.WaitForExit(RunCommand.StopGrace + TimeSpan.FromSeconds(10)), Is.Zero, () => host.StderrText);
            TestContext.Out.WriteLine($"SIGTERM with {again.Held} connections held: exit 0 after {stopping.Elapsed.TotalSeconds:F1} s");
            Assert.That(stopping.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "a clean stop takes seconds, not the 20 s bound");
        }
        Assert.That(Verdict(cluster, s), Is.Null);
    }

    /// <summary>The outcome of one scrape: answered 200 within <see cref="AnswerBound"/>, how long it took, in how many attempts.</summary>
    private readonly record struct ScrapeResult(bool Answered, TimeSpan Took, int Attempts, string? Error);

    /// <summary>GET /metrics on a fresh connection, retried on a refused or closed one until <see cref="AnswerBound"/>.</summary>
    private static ScrapeResult Scrape(int port)
    {
        var clock = Stopwatch.StartNew();
        int attempts = 0;
        string? error = null;
        while (clock.Elapsed < AnswerBound)
        {
            attempts++;
            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = AnswerBound - clock.Elapsed };
            try
            {
                var response = http.GetAsync($"http://127.0.0.1:{port}/metrics").GetAwaiter().GetResult();
                string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                if ((int)response.StatusCode == 200 && body.Contains("attribution_up 1\n", StringComparison.Ordinal))
                {
                    return new ScrapeResult(true, clock.Elapsed, attempts, null);
                }
                error = $"status {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                error = e.Message;
            }
            Thread.Sleep(50);
        }
        return new ScrapeResult(false, clock.Elapsed, attempts, error);
    }
}
