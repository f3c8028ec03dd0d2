using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;
using Attribution.Testing.Kafka;
using Attribution.Tests.Host.Run;

namespace Attribution.Tests.Host.Observability;

/// <summary>
/// <c>attribution run</c> as a child process on the embedded broker, after it committed <see cref="StatusStream"/> and
/// took a snapshot, with its metrics port open: what the status page and metrics tests look at.
/// </summary>
internal sealed class StatusHost : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly TempStateDirectory _state = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public StatusHost()
    {
        string kcat = RunTestKit.FindKcat();
        Stream = new StatusStream(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds());
        _cluster = RunTestKit.StartCluster(StatusStream.Partitions);
        Stream.Produce(kcat, _cluster.BootstrapServers, RunTestKit.Input);
        Port = RunTestKit.FreePort();
        Host = HostProcess.Start([
            "run", "--bootstrap-servers", _cluster.BootstrapServers, "--host-id", "status", "--shards", "2",
            "--input-keying", "trust", "--commit-interval", "50ms", "--state-dir", _state.Path, "--snapshot-interval", "1s",
            "--metrics-port", Port.ToString(CultureInfo.InvariantCulture),
            "--kafka", "session.timeout.ms=2000", "--kafka", "heartbeat.interval.ms=300", "--kafka", "fetch.wait.max.ms=10",
        ]);
        var ends = Enumerable.Range(0, StatusStream.Partitions).Select(p => (long)Stream.Count(p)).ToArray();
        Assert.That(RunTestKit.WaitForCommitted(_cluster, ends, Patience, Host), Is.True, () => $"the host did not commit the input; stderr:\n{Host.StderrText}");
        // A snapshot after the input, and a few seconds of samples for the charts.
        Assert.That(SpinUntil(() => Regex.IsMatch(Get("/metrics"), @"(?m)^attribution_snapshot_age_seconds "), Patience), Is.True, () => $"no snapshot; stderr:\n{Host.StderrText}");
        Thread.Sleep(3_000);
    }

    public StatusStream Stream { get; }

    public HostProcess Host { get; }

    public int Port { get; }

    /// <summary>The host's state directory.</summary>
    public string StateDirectory => _state.Path;

    /// <summary>When the host was started (its uptime bounds every duration it reports).</summary>
    public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public string Get(string path) => _http.GetStringAsync(new Uri(Url(path))).GetAwaiter().GetResult();

    public static bool SpinUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (condition())
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            Thread.Sleep(250);
        }
        return false;
    }

    public void Dispose()
    {
        Host.Dispose();
        _http.Dispose();
        _cluster.Dispose();
        _state.Dispose();
    }
}
