using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text.RegularExpressions;
using Attribution.Host.Run;
using Attribution.Tests.Host.Run;

namespace Attribution.Tests.Host.Observability;

/// <summary>
/// What a scrape of <c>/metrics</c> shows, through the real server and prometheus-net's exporter: the pipeline's
/// figures read at scrape time, durations in seconds, and the process and .NET runtime metrics.
/// </summary>
[NonParallelizable]
public class MetricsScrapeTests
{
    [Test]
    public void A_scrape_shows_process_and_dotnet_metrics_beside_the_pipeline_figures()
    {
        using var host = new ScrapedHost();
        string text = host.Scrape();
        Assert.That(Value(text, "process_cpu_seconds_total"), Is.GreaterThan(0));
        Assert.That(Value(text, "process_working_set_bytes"), Is.GreaterThan(1 << 20));
        Assert.That(Value(text, "process_start_time_seconds"), Is.EqualTo(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime().Subtract(DateTime.UnixEpoch).TotalSeconds).Within(2));
        Assert.That(Value(text, "dotnet_total_memory_bytes"), Is.GreaterThan(0));
        Assert.That(text, Does.Match(@"\ndotnet_collection_count_total\{generation=""0""\} \d+"));
        Assert.That(text, Does.Match(@"\nsystem_runtime_dotnet_gc_collections\{gc_heap_generation=""gen0""\} \d+"), "the runtime's own meter (System.Runtime) is exported");
        Assert.That(Value(text, "attribution_up"), Is.EqualTo(1));
        Assert.That(Value(text, "attribution_snapshot_failures_total"), Is.EqualTo(0), "present before any snapshot, for alerts");
        Assert.That(text, Does.Not.Match("(?m)^attribution_snapshot_age_seconds "), "no snapshot yet");
    }

    [Test]
    public void Figures_are_read_at_scrape_time()
    {
        using var host = new ScrapedHost();
        var stats = host.Pipeline.Stats;
        Assert.That(Value(host.Scrape(), "attribution_attributions_produced_total"), Is.EqualTo(0));
        stats.RecordConsumed(replayed: false);
        stats.RecordConsumed(replayed: true);
        stats.RecordCommit(outputs: 3, deadLetters: 1, offsetsAdvanced: 2, unixMs: 1_700_000_000_250);
        stats.RecordPartitionMove(seconds: 1.5, records: 40);
        stats.SetLag(7, new Dictionary<int, long> { [0] = 5, [3] = 2 });
        string text = host.Scrape();
        Assert.That(Value(text, "attribution_events_consumed_total"), Is.EqualTo(2));
        Assert.That(Value(text, "attribution_events_replayed_total"), Is.EqualTo(1));
        Assert.That(Value(text, "attribution_attributions_produced_total"), Is.EqualTo(3));
        Assert.That(Value(text, "attribution_dead_letters_produced_total"), Is.EqualTo(1));
        Assert.That(Value(text, "attribution_transactions_committed_total"), Is.EqualTo(1));
        Assert.That(Value(text, "attribution_partition_move_seconds_total"), Is.EqualTo(1.5));
        Assert.That(Value(text, "attribution_partition_move_records_total"), Is.EqualTo(40));
        Assert.That(Value(text, "attribution_last_commit_timestamp_seconds"), Is.EqualTo(1_700_000_000.25).Within(1e-3));
        Assert.That(Value(text, "attribution_consumer_lag{partition=\"0\"}"), Is.EqualTo(5));
        Assert.That(Value(text, "attribution_consumer_lag{partition=\"3\"}"), Is.EqualTo(2));

        stats.SetLag(2, new Dictionary<int, long> { [3] = 2 });
        text = host.Scrape();
        Assert.That(text, Does.Not.Contain("attribution_consumer_lag{partition=\"0\"}"), "a partition given up leaves the metric");
        Assert.That(Value(text, "attribution_consumer_lag{partition=\"3\"}"), Is.EqualTo(2));
    }

    [Test]
    public void End_to_end_latency_is_a_histogram_in_seconds()
    {
        using var host = new ScrapedHost();
        host.Pipeline.Stats.RecordLatencies([3, 250, 250, 1_500]);
        string text = host.Scrape();
        Assert.That(text, Does.Not.Match(@"\n\w+_(ms|milliseconds)(_\w+)? "), "no duration in milliseconds");
        Assert.That(text, Does.Contain("# TYPE attribution_end_to_end_latency_seconds histogram"));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_count"), Is.EqualTo(4));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_sum"), Is.EqualTo(2.003).Within(1e-9));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_bucket{le=\"0.002\"}"), Is.EqualTo(0));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_bucket{le=\"0.005\"}"), Is.EqualTo(1));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_bucket{le=\"0.2\"}"), Is.EqualTo(1));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_bucket{le=\"0.5\"}"), Is.EqualTo(3));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_bucket{le=\"2\"}"), Is.EqualTo(4));
        Assert.That(Value(text, "attribution_end_to_end_latency_seconds_bucket{le=\"+Inf\"}"), Is.EqualTo(4));
    }

    [Test]
    public void Two_hosts_in_one_process_keep_their_figures_apart()
    {
        using var a = new ScrapedHost();
        using var b = new ScrapedHost();
        a.Pipeline.Stats.RecordCommit(outputs: 9, deadLetters: 0, offsetsAdvanced: 9, unixMs: 1);
        Assert.That(Value(a.Scrape(), "attribution_attributions_produced_total"), Is.EqualTo(9));
        Assert.That(Value(b.Scrape(), "attribution_attributions_produced_total"), Is.EqualTo(0));
    }

    // The value of the sample whose name (with labels) is exactly `series`.
    private static double Value(string text, string series)
    {
        var m = Regex.Match(text, $@"(?m)^{Regex.Escape(series)} (\S+)$");
        Assert.That(m.Success, Is.True, $"no sample {series} in:\n{text}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A pipeline that never runs and its metrics server on a free port.</summary>
    private sealed class ScrapedHost : IDisposable
    {
        private readonly MetricsServer _server;
        private readonly int _port = RunTestKit.FreePort();

        public ScrapedHost()
        {
            Pipeline = new KafkaPipeline(new RunOptions { BootstrapServers = "127.0.0.1:1" }, new RunLog(TextWriter.Null));
            _server = MetricsServer.TryStart(IPAddress.Loopback, _port, Pipeline, new RunLog(TextWriter.Null), out string? problem)
                ?? throw new InvalidOperationException($"the metrics server did not start: {problem}");
        }

        public KafkaPipeline Pipeline { get; }

        public string Scrape()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            return http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/metrics")).GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _server.Dispose();
            Pipeline.Dispose();
        }
    }
}
