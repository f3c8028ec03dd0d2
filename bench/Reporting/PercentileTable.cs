using System.Globalization;
using System.Text;
using HdrHistogram;

namespace Attribution.Bench.Reporting;

/// <summary>The percentile table every report uses: p50 … p99.99 and max, in microseconds.</summary>
internal static class PercentileTable
{
    public static readonly double[] Percentiles = [50, 90, 99, 99.9, 99.99];

    public static string Markdown(IEnumerable<(string Name, HistogramBase Histogram)> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| series | count | p50 µs | p90 µs | p99 µs | p99.9 µs | p99.99 µs | max µs |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach ((string name, HistogramBase h) in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {name} | {h.TotalCount:N0} |");
            foreach (double p in Percentiles)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {Micros(h.GetValueAtPercentile(p))} |");
            }
            sb.Append(CultureInfo.InvariantCulture, $" {Micros(h.GetMaxValue())} |\n");
        }
        return sb.ToString();
    }

    /// <summary>Nanoseconds as microseconds with precision that suits the size.</summary>
    public static string Micros(long nanos)
        => (nanos / 1000.0).ToString(nanos < 10_000 ? "F2" : nanos < 1_000_000 ? "F1" : "N0", CultureInfo.InvariantCulture);
}
