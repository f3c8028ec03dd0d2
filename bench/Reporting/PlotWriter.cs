using System.Globalization;
using System.Text;
using HdrHistogram;
using HdrHistogram.Iteration;
using ScottPlot;

namespace Attribution.Bench.Reporting;

/// <summary>
/// Renders the report's PNGs with ScottPlot (SkiaSharp underneath, its native library comes in the
/// SkiaSharp.NativeAssets.Linux.NoDependencies package, so nothing beyond the NuGet packages is needed).
/// </summary>
internal static class PlotWriter
{
    private const int Width = 900;
    private const int Height = 520;

    /// <summary>A file name from a chart title: lower-case letters, digits and dashes.</summary>
    public static string FileName(string kind, string chart)
    {
        var sb = new StringBuilder(kind).Append('-');
        foreach (char c in chart.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }
        string name = sb.ToString();
        while (name.Contains("--", StringComparison.Ordinal))
        {
            name = name.Replace("--", "-", StringComparison.Ordinal);
        }
        return name.TrimEnd('-') + ".png";
    }

    /// <summary>
    /// The classic HdrHistogram percentile plot: x = percentile on a log scale of 1 / (1 − p),
    /// y = latency in µs on a log scale, one curve per series.
    /// </summary>
    public static void Percentiles(string path, string title, IReadOnlyList<(string Series, HistogramBase Histogram)> series)
    {
        var plot = new Plot();
        foreach ((string name, HistogramBase h) in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (HistogramIterationValue v in h.Percentiles(5))
            {
                double p = v.Percentile / 100.0;
                if (p >= 0.999999)
                {
                    break;
                }
                xs.Add(Math.Log10(1 / (1 - p)));
                ys.Add(Math.Log10(Math.Max(v.ValueIteratedTo / 1000.0, 0.001)));
            }
            xs.Add(Math.Log10(1 / (1 - 0.999999)));
            ys.Add(Math.Log10(Math.Max(h.GetMaxValue() / 1000.0, 0.001)));
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.LegendText = name;
            line.LineWidth = 2;
        }
        string[] labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "max"];
        plot.Axes.Bottom.SetTicks([0, 1, 2, 3, 4, 5, 6], labels);
        double top = Math.Ceiling(series.Max(s => Math.Log10(Math.Max(s.Histogram.GetMaxValue() / 1000.0, 0.001))));
        double bottom = Math.Floor(series.Min(s => Math.Log10(Math.Max(s.Histogram.GetValueAtPercentile(0) / 1000.0, 0.001))));
        var positions = new List<double>();
        var tickLabels = new List<string>();
        for (double d = bottom; d <= top; d++)
        {
            positions.Add(d);
            tickLabels.Add(Math.Pow(10, d).ToString("G", CultureInfo.InvariantCulture));
        }
        plot.Axes.Left.SetTicks(positions.ToArray(), tickLabels.ToArray());
        plot.Axes.SetLimits(0, 6.1, bottom, top);
        plot.Title(title);
        plot.XLabel("percentile (log scale of 1 / (1 − p))");
        plot.YLabel("latency, µs (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Events per second over time, one line per series.</summary>
    public static void Throughput(string path, string title, IReadOnlyList<ThroughputSeries> series)
    {
        var plot = new Plot();
        foreach (ThroughputSeries s in series)
        {
            if (s.Points.Count == 0)
            {
                continue;
            }
            var line = plot.Add.ScatterLine(s.Points.Select(p => p.Seconds).ToArray(), s.Points.Select(p => p.PerSecond / 1000.0).ToArray());
            line.LegendText = s.Name;
            line.LineWidth = 2;
        }
        plot.Title(title);
        plot.XLabel($"seconds since each run's first progress (sampled every {ThroughputSeries.Interval.TotalMilliseconds:F0} ms)");
        plot.YLabel("thousand events/s");
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsY(0, Math.Max(1, series.SelectMany(s => s.Points).Select(p => p.PerSecond / 1000.0).DefaultIfEmpty(1).Max() * 1.1));
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }
}
