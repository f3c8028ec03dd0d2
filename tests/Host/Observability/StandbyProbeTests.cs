using System.Globalization;
using System.Net.Http;
using Attribution.Tests.Host.Run;

namespace Attribution.Tests.Host.Observability;

/// <summary>Two real hosts in one group on a one-partition input: the one left without a partition is a standby, alive and ready.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class StandbyProbeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public void A_standby_host_that_owns_no_partition_is_live_and_ready()
    {
        using var cluster = RunTestKit.StartCluster(1);
        int portA = RunTestKit.FreePort(), portB = RunTestKit.FreePort();
        using var a = HostProcess.Start(Args(cluster.BootstrapServers, "a", portA));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.That(StatusHost.SpinUntil(() => Get(http, portA, "/health/ready") == (200, "ready: 1 partitions\n"), Patience), Is.True,
            () => $"host a never owned the partition; stderr:\n{a.StderrText}");
        using var b = HostProcess.Start(Args(cluster.BootstrapServers, "b", portB));
        var standby = -1;
        Assert.That(StatusHost.SpinUntil(() =>
        {
            var ra = Get(http, portA, "/health/ready");
            var rb = Get(http, portB, "/health/ready");
            TestContext.Out.WriteLine($"a: {ra}, b: {rb}".ReplaceLineEndings(" "));
            standby = ra.Body.Contains("standby", StringComparison.Ordinal) && rb.Body == "ready: 1 partitions\n" ? portA
                : rb.Body.Contains("standby", StringComparison.Ordinal) && ra.Body == "ready: 1 partitions\n" ? portB : -1;
            return standby > 0;
        }, Patience), Is.True, () => $"no host became a standby; a:\n{a.StderrText}\nb:\n{b.StderrText}");
        Assert.That(Get(http, standby, "/health/live"), Is.EqualTo((200, "alive\n")));
        Assert.That(Get(http, standby, "/health/ready"), Is.EqualTo((200, "ready: standby, owns no partitions\n")));
        Assert.That(http.GetStringAsync(new Uri($"http://127.0.0.1:{standby}/metrics")).GetAwaiter().GetResult(), Does.Contain("\nattribution_partitions_owned 0\n"));
    }

    private static List<string> Args(string bootstrap, string id, int port) =>
    [
        "run", "--bootstrap-servers", bootstrap, "--host-id", id, "--shards", "1", "--input-keying", "trust", "--commit-interval", "50ms",
        "--metrics-port", port.ToString(CultureInfo.InvariantCulture),
        "--kafka", "session.timeout.ms=2000", "--kafka", "heartbeat.interval.ms=300", "--kafka", "fetch.wait.max.ms=10",
    ];

    private static (int Status, string Body) Get(HttpClient http, int port, string path)
    {
        try
        {
            var response = http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}")).GetAwaiter().GetResult();
            return ((int)response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
    }
}
