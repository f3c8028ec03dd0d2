using System.Globalization;
using System.Text;
using Attribution.Bench.Engine;
using HdrHistogram;

namespace Attribution.Bench.Reporting;

/// <summary>
/// The report of one suite run: everything the suite prints to standard output (Markdown) is kept,
/// and the suite adds latency histograms and throughput-over-time series; <see cref="Write"/> puts
/// report.md (machine, command, load average before and after, the suite's tables, percentile tables
/// of every histogram) and one PNG per chart into the run's results folder.
/// </summary>
internal sealed class BenchReport : IDisposable
{
    private readonly List<(string Chart, string Series, HistogramBase Histogram)> _latencies = [];
    private readonly List<(string Chart, ThroughputSeries Series)> _series = [];
    private readonly StringWriter _body = new(CultureInfo.InvariantCulture);

    public BenchReport(string suite, string command, string folder)
    {
        Suite = suite;
        Command = command;
        Folder = folder;
        LoadBefore = MachineDescription.LoadAverage();
    }

    /// <summary>The report of the suite running now (one per process); null outside a run.</summary>
    public static BenchReport? Current { get; set; }

    /// <summary>Whether the user asked for the long variant (`--long`): suites scale their default sizes up.</summary>
    public static bool Long { get; set; }

    public string Suite { get; }
    public string Command { get; }
    public string Folder { get; }
    public string LoadBefore { get; }

    /// <summary>Receives the suite's standard output (see <see cref="TeeWriter"/>).</summary>
    public TextWriter Body => _body;

    /// <summary>
    /// Adds a latency histogram (values in nanoseconds) to the percentile chart <paramref name="chart"/>
    /// (one PNG per chart, one curve per series) and to the percentile table. An empty histogram (a paced phase no
    /// longer than its warm-up) is left out: it has no percentiles to draw or print.
    /// </summary>
    public static void AddLatency(string chart, string series, HistogramBase histogram)
    {
        if (histogram.TotalCount > 0)
        {
            Current?._latencies.Add((chart, series, histogram.Copy()));
        }
    }

    /// <summary>Adds a throughput-over-time series to the chart <paramref name="chart"/>.</summary>
    public static void AddThroughput(string chart, ThroughputSeries series)
        => Current?._series.Add((chart, series));

    /// <inheritdoc />
    public void Dispose() => _body.Dispose();

    /// <summary>Writes report.md and the PNGs; returns the report's path.</summary>
    public string Write(int exitCode, TimeSpan elapsed)
    {
        Directory.CreateDirectory(Folder);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Benchmark report: `{Suite}`\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- Command: `{Command}` (run under `nice -n 10` for the committed results)\n");
        md.Append(CultureInfo.InvariantCulture, $"- Machine: {MachineDescription.Describe()}\n");
        md.Append(CultureInfo.InvariantCulture, $"- Before the run{LoadBefore}; after it{MachineDescription.LoadAverage()}. " +
                                                $"Other work shared the machine: compare contenders within this report (same run), not across reports.\n");
        md.Append(CultureInfo.InvariantCulture, $"- Duration {elapsed.TotalSeconds:F1} s, exit code {exitCode}.\n\n");
        md.Append(_body.ToString());

        if (_latencies.Count > 0)
        {
            md.Append("## Latency percentiles (HdrHistogram, 3 significant digits)\n\n");
            md.Append(PercentileTable.Markdown(_latencies.Select(l => ($"{l.Chart}: {l.Series}", l.Histogram))));
            md.Append('\n');
        }
        foreach (IGrouping<string, (string Chart, string Series, HistogramBase Histogram)> chart in _latencies.GroupBy(l => l.Chart))
        {
            string file = PlotWriter.FileName("latency", chart.Key);
            PlotWriter.Percentiles(Path.Combine(Folder, file), chart.Key, chart.Select(c => (c.Series, c.Histogram)).ToList());
            md.Append(CultureInfo.InvariantCulture, $"![{chart.Key}]({file})\n\n");
        }
        foreach (IGrouping<string, (string Chart, ThroughputSeries Series)> chart in _series.GroupBy(s => s.Chart))
        {
            string file = PlotWriter.FileName("throughput", chart.Key);
            PlotWriter.Throughput(Path.Combine(Folder, file), chart.Key, chart.Select(c => c.Series).ToList());
            md.Append(CultureInfo.InvariantCulture, $"![{chart.Key}]({file})\n\n");
        }
        string path = Path.Combine(Folder, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }
}
