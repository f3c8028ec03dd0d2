using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;

namespace Attribution.Tests.Host.Observability;

/// <summary>
/// The metrics and probes of a real host (the child process, after known input and a snapshot): each new metric
/// against a value measured without the host's code — the input's own event times and counts, the manifest file's
/// time, the binary's version resource, the host's own log line.
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "[OneTimeTearDown] disposes the host.")]
public class StatusHostMetricsTests
{
    private StatusHost _host = null!;

    [OneTimeSetUp]
    public void StartHost() => _host = new StatusHost();

    [OneTimeTearDown]
    public void StopHost() => _host?.Dispose();

    [Test]
    public void Build_info_names_the_binarys_version_and_commit()
    {
        string dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution.dll");
        string product = FileVersionInfo.GetVersionInfo(dll).ProductVersion!; // the version resource: "0.1.0+<commit>"
        TestContext.Out.WriteLine($"version resource: {product}");
        string version = product.Split('+')[0], commit = product.Contains('+', StringComparison.Ordinal) ? product.Split('+')[1] : "unknown";
        string text = _host.Get("/metrics");
        Assert.That(Value(text, $"attribution_build_info{{version=\"{version}\",commit=\"{commit}\"}}"), Is.EqualTo(1));
        Assert.That(Regex.Count(text, @"(?m)^attribution_build_info\{"), Is.EqualTo(1));
    }

    [Test]
    public void Watermark_and_event_time_lag_per_partition_follow_the_inputs_event_times()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string text = _host.Get("/metrics");
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int p = 0; p < StatusStream.Partitions; p++)
        {
            long w = _host.Stream.WatermarkMs[p];
            string label = $"{{partition=\"{p}\"}}";
            Assert.That(Value(text, "attribution_partition_watermark_seconds" + label), Is.EqualTo(w / 1000.0).Within(1e-6), $"partition {p}");
            Assert.That(Value(text, "attribution_partition_event_time_lag_seconds" + label), Is.InRange((before - w) / 1000.0 - 0.002, (after - w) / 1000.0 + 0.002), $"partition {p}");
        }
        Assert.That(Value(text, "attribution_partitions_owned"), Is.EqualTo(StatusStream.Partitions));
        Assert.That(Value(text, "attribution_partitions_rebuilding"), Is.EqualTo(0));
    }

    [Test]
    public void State_size_counts_the_clicks_and_attributed_conversions_of_the_input()
    {
        string text = _host.Get("/metrics");
        int clicks = StatusStream.Partitions * StatusStream.ClicksPerPartition; // one user and campaign each
        Assert.That(Value(text, "attribution_state_entries{table=\"clicks\"}"), Is.EqualTo(clicks));
        Assert.That(Value(text, "attribution_state_entries{table=\"conversions\"}"), Is.EqualTo(StatusStream.Attributions));
        // A FASTER record is at least a header, a key and a value of 8 bytes each, and at most 2 KiB of value plus its key.
        double clickBytes = Value(text, "attribution_state_bytes{table=\"clicks\"}");
        double conversionBytes = Value(text, "attribution_state_bytes{table=\"conversions\"}");
        TestContext.Out.WriteLine($"state bytes: clicks {clickBytes}, conversions {conversionBytes}");
        Assert.That(clickBytes, Is.InRange(clicks * 24.0, clicks * 2_400.0));
        Assert.That(conversionBytes, Is.InRange(StatusStream.Attributions * 24.0, StatusStream.Attributions * 2_400.0));
        // A few thousand records fit the default memory: nothing of either table is on disk only.
        Assert.That(Value(text, "attribution_state_disk_bytes{table=\"clicks\"}"), Is.Zero);
        Assert.That(Value(text, "attribution_state_disk_bytes{table=\"conversions\"}"), Is.Zero);
    }

    [Test]
    public void Snapshot_age_and_duration_match_the_manifest_file_and_the_hosts_log()
    {
        // The newest manifest's write time, read before and after the scrape (a newer snapshot in between: again).
        for (int attempt = 0; ; attempt++)
        {
            var (name, written) = NewestManifest();
            double now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            string text = _host.Get("/metrics");
            if (NewestManifest().Name != name && attempt < 5)
            {
                continue;
            }
            double age = Value(text, "attribution_snapshot_age_seconds"), duration = Value(text, "attribution_snapshot_duration_seconds");
            long sequence = long.Parse(Regex.Match(name, @"(\d+)\.json$").Groups[1].Value, CultureInfo.InvariantCulture);
            var logged = Regex.Matches(_host.Host.StderrText, $@"snapshot taken sequence={sequence} .* ms=(\d+)");
            TestContext.Out.WriteLine($"{name}: written {now - written:F3} s ago; age {age} s, duration {duration} s; log {string.Join(",", logged.Select(m => m.Groups[1].Value))} ms");
            // The manifest is written last: the snapshot began (its age) at most its duration before the file's time.
            Assert.That(age, Is.InRange(now - written - 0.5, now - written + duration + 0.5));
            Assert.That(logged, Has.Count.EqualTo(1), "the host logged the snapshot");
            Assert.That(duration, Is.GreaterThan(0).And.LessThanOrEqualTo(int.Parse(logged[0].Groups[1].Value, CultureInfo.InvariantCulture) / 1000.0 + 0.002),
                "within the time the scheduler measured around it");
            return;
        }
    }

    [Test]
    public void Transaction_cycles_are_a_histogram_in_seconds_with_one_observation_per_commit()
    {
        string text = _host.Get("/metrics");
        double uptime = (DateTimeOffset.UtcNow - _host.Started).TotalSeconds;
        Assert.That(text, Does.Contain("# TYPE attribution_transaction_cycle_seconds histogram"));
        double count = Value(text, "attribution_transaction_cycle_seconds_count"), sum = Value(text, "attribution_transaction_cycle_seconds_sum");
        Assert.That(count, Is.EqualTo(Value(text, "attribution_transactions_committed_total")).And.GreaterThan(0));
        Assert.That(sum, Is.GreaterThan(0).And.LessThan(uptime));
        Assert.That(text, Does.Not.Match(@"\n\w+_(ms|milliseconds)(_\w+)? "), "no duration in milliseconds");
    }

    [Test]
    public void A_host_with_rebuilt_partitions_is_live_ready_and_healthy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (path, body) in new[] { ("/health/live", "alive\n"), ("/health/ready", $"ready: {StatusStream.Partitions} partitions\n"), ("/health", "ok\n") })
        {
            var response = http.GetAsync(new Uri(_host.Url(path))).GetAwaiter().GetResult();
            Assert.That((int)response.StatusCode, Is.EqualTo(200), path);
            Assert.That(response.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo(body), path);
        }
    }

    [Test]
    public void Every_attribution_metric_a_host_exports_is_in_the_documented_table()
    {
        string table = RepoFiles.Read("docs/OBSERVABILITY.md");
        var names = Regex.Matches(_host.Get("/metrics"), @"(?m)^# TYPE (attribution_\w+) ").Select(m => m.Groups[1].Value).Distinct().ToList();
        TestContext.Out.WriteLine($"{names.Count} families: {string.Join(", ", names)}");
        // A row may name a sibling by its suffix: `attribution_transactions_committed_total` / `_aborted_total`.
        var missing = names.Where(n => !table.Contains($"| `{n}", StringComparison.Ordinal)
            && !Regex.IsMatch(table, $@"\| `attribution_\w*` / `{Regex.Escape(n[n.LastIndexOf('_', n.Length - (n.EndsWith("_total", StringComparison.Ordinal) ? 7 : 1))..])}`")).ToList();
        Assert.That(missing, Is.Empty, "metrics missing from the table in docs/OBSERVABILITY.md");
    }

    private (string Name, double Written) NewestManifest()
    {
        var file = new DirectoryInfo(Path.Combine(_host.StateDirectory, "snapshots")).GetFiles("snapshot-*.json").OrderByDescending(f => f.Name, StringComparer.Ordinal).First();
        return (file.Name, new DateTimeOffset(file.LastWriteTimeUtc).ToUnixTimeMilliseconds() / 1000.0);
    }

    private static double Value(string text, string series)
    {
        var m = Regex.Match(text, $@"(?m)^{Regex.Escape(series)} (\S+)$");
        Assert.That(m.Success, Is.True, $"no sample {series} in:\n{text}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
