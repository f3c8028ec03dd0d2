using Attribution.Bench.Kafka;
using Attribution.Bench.Reporting;
using HdrHistogram;

namespace Attribution.Tests.Host.Bench;

public class BenchReportTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), "bench-report-test-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void DeleteFolder()
    {
        BenchReport.Current = null;
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public void Percentile_table_lists_p50_to_p99_99_and_max_in_microseconds()
    {
        var h = new LongHistogram(1_000_000_000, 3);
        for (long v = 1; v <= 10_000; v++)
        {
            h.RecordValue(v * 1000); // 1 µs .. 10 ms
        }
        string table = PercentileTable.Markdown([("series", h)]);
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("| series | count | p50 µs | p90 µs | p99 µs | p99.9 µs | p99.99 µs | max µs |"));
        string[] cells = lines[2].Split('|', StringSplitOptions.TrimEntries);
        Assert.That(cells[1], Is.EqualTo("series"));
        Assert.That(cells[2], Is.EqualTo("10,000"));
        Assert.That(double.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(5000).Within(10)); // p50 = 5 ms
        Assert.That(double.Parse(cells[8], System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture),
            Is.InRange(10_000, 10_010)); // max = 10 ms, at the histogram's 3-digit resolution
    }

    [Test]
    public void Report_holds_machine_command_suite_output_percentiles_and_renders_png_plots()
    {
        using var report = new BenchReport("unit", "dotnet run -c Release --project bench -- unit", _folder);
        BenchReport.Current = report;
        report.Body.WriteLine("| a table the suite printed |");
        var h = new LongHistogram(1_000_000_000, 3);
        for (int i = 1; i <= 1000; i++)
        {
            h.RecordValue(i * 1_000);
        }
        BenchReport.AddLatency("latency chart", "contender", h);
        using (ThroughputSeries series = ThroughputSeries.Start("contender", () => Environment.TickCount64 * 1000))
        {
            Thread.Sleep(350);
            BenchReport.AddThroughput("throughput chart", series);
        }

        string path = report.Write(0, TimeSpan.FromSeconds(1));

        string md = File.ReadAllText(path);
        Assert.That(md, Does.Contain("Command: `dotnet run -c Release --project bench -- unit`"));
        Assert.That(md, Does.Contain($"{Environment.ProcessorCount} cores"));
        // The JIT setting the figures were measured with (the bench sets it for itself unless the caller did).
        string? delay = Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs");
        Assert.That(md, Does.Contain(delay is { Length: > 0 } ? $"tiering delay {delay} ms (DOTNET_TC_CallCountingDelayMs)" : "tiering delay 100 ms (the runtime's default)"));
        Assert.That(md, Does.Contain("Before the run, load average"));
        Assert.That(md, Does.Contain("| a table the suite printed |"));
        Assert.That(md, Does.Contain("| latency chart: contender | 1,000 |"));
        foreach (string png in new[] { "latency-latency-chart.png", "throughput-throughput-chart.png" })
        {
            Assert.That(md, Does.Contain($"]({png})"));
            byte[] bytes = File.ReadAllBytes(Path.Combine(_folder, png));
            Assert.That(bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{png} is a PNG");
        }
    }

    [Test]
    public void Throughput_series_treats_a_counter_reset_as_a_new_run_not_negative_throughput()
    {
        long counter = 1_000_000;
        using (ThroughputSeries series = ThroughputSeries.Start("reset", () => Volatile.Read(ref counter)))
        {
            Thread.Sleep(250);
            Volatile.Write(ref counter, 10);
            Thread.Sleep(250);
            Volatile.Write(ref counter, 5000);
            Thread.Sleep(250);
            series.Dispose();
            Assert.That(series.Points.Select(p => p.PerSecond), Is.All.GreaterThanOrEqualTo(0));
            Assert.That(series.Points, Is.Not.Empty);
        }
    }

    [Test]
    public void Paced_events_carry_their_intended_send_time_so_a_stall_counts_as_latency()
    {
        // The Kafka suite's coordinated-omission correction: each line is stamped with the time it was meant to be
        // produced, and its output's latency is measured from that stamp, however late the producer really sent it.
        byte[] line = "{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"0123456789abcdef0123456789abcdef0123\",\"campaign_id\":\"c\",\"timestamp\":1700000000000}"u8.ToArray();
        KafkaLoad.SetTimestamp(line, 1_790_000_000_123);
        Assert.That(System.Text.Encoding.UTF8.GetString(line), Does.EndWith("\"timestamp\":1790000000123}"));
        Assert.That(System.Text.Encoding.UTF8.GetString(KafkaLoad.UserId(line)), Is.EqualTo("0123456789abcdef0123456789abcdef0123"));
    }
}
