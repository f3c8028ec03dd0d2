using System.Globalization;
using System.Text.RegularExpressions;
using SkiaSharp;

namespace Attribution.Tests.Host.Observability;

/// <summary>
/// The status page of a real host (the child process, after known input and a snapshot) opened in headless Chromium:
/// what the page shows once its script ran, and a screenshot that must show a drawn page, not a blank one.
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "[OneTimeTearDown] disposes the host.")]
public class StatusPageTests
{
    private StatusHost _host = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        HeadlessChromium.Find(); // fails at once, before a host starts, when the browser is missing
        _host = new StatusHost();
    }

    [OneTimeTearDown]
    public void StopHost() => _host?.Dispose();

    [Test]
    public void The_status_page_in_a_browser_shows_each_partition_the_charts_and_dead_letters_by_reason()
    {
        string dom = HeadlessChromium.DumpDom(_host.Url("/"), 4_000);
        TestContext.Out.WriteLine($"DOM: {dom.Length} chars");
        Assert.That(dom, Does.Contain("<title>Attribution host</title>"));
        Assert.That(Regex.Match(dom, @"id=""ready""[^>]*>([^<]*)<").Groups[1].Value, Is.EqualTo($"ready: {StatusStream.Partitions} partitions"), "the readiness badge, filled in by the script");

        var partitions = Rows(dom, "partitions");
        Assert.That(partitions.Select(r => r[0]), Is.EqualTo(Enumerable.Range(0, StatusStream.Partitions).Select(p => p.ToString(CultureInfo.InvariantCulture))));
        foreach (var row in partitions)
        {
            int p = int.Parse(row[0], CultureInfo.InvariantCulture);
            string watermark = DateTimeOffset.FromUnixTimeMilliseconds(_host.Stream.WatermarkMs[p]).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
            Assert.That(row[1], Is.EqualTo("live"), $"partition {p} is rebuilt");
            Assert.That(row[2], Is.EqualTo("0"), $"partition {p} has no lag");
            Assert.That(row[3], Is.EqualTo(_host.Stream.Count(p).ToString(CultureInfo.InvariantCulture)), $"partition {p}: consumed = records produced to it");
            Assert.That(row[4], Is.EqualTo(row[3]), $"partition {p}: all committed");
            Assert.That(row[5], Is.EqualTo(watermark), $"partition {p}: the watermark is its latest valid event time");
            Assert.That(double.Parse(row[6], CultureInfo.InvariantCulture), Is.GreaterThan(200).And.LessThan(3_600), $"partition {p}: event-time lag, the input being stamped 5 minutes back");
        }

        var letters = Rows(dom, "dead-letters").ToDictionary(r => r[0], r => int.Parse(r[1], CultureInfo.InvariantCulture));
        Assert.That(letters, Is.EquivalentTo(StatusStream.DeadLetters));

        foreach (string chart in new[] { "throughput", "latency", "cycles", "lag" })
        {
            var svg = Regex.Match(dom, $@"<svg id=""chart-{chart}""[^>]*>(.*?)</svg>", RegexOptions.Singleline);
            Assert.That(svg.Success, Is.True, $"chart {chart} is in the page");
            var lines = Regex.Matches(svg.Groups[1].Value, @"<polyline points=""([^""]*)""").Select(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToList();
            TestContext.Out.WriteLine($"chart {chart}: points per line {string.Join(", ", lines)}");
            Assert.That(lines, Is.Not.Empty, $"chart {chart} draws lines");
            Assert.That(lines.Max(), Is.GreaterThanOrEqualTo(chart is "throughput" or "lag" ? 3 : 1), $"chart {chart} has points");
        }
        var snapshot = Rows(dom, "snapshot").ToDictionary(r => r[0], r => r[1]);
        Assert.That(long.Parse(snapshot["sequence"], CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(1));
        var settings = Rows(dom, "settings").ToDictionary(r => r[0], r => r[1]);
        Assert.That(settings["input_keying"], Is.EqualTo("trust"), "the effective settings, from the flags");
        Assert.That(settings["kafka.session.timeout.ms"], Is.EqualTo("2000"));
    }

    [Test]
    public void A_screenshot_of_the_status_page_shows_a_drawn_page_with_charts()
    {
        string png = Path.Combine(TestContext.CurrentContext.WorkDirectory, "status-page.png");
        HeadlessChromium.Screenshot(_host.Url("/"), 4_000, png, 1280, 1400);
        TestContext.AddTestAttachment(png, "the status page in headless Chromium");
        using var bitmap = SKBitmap.Decode(png);
        Assert.That(bitmap, Is.Not.Null, "the screenshot is a PNG");
        var counts = new Dictionary<uint, int>();
        int header = 0, chartBlue = 0;
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                uint key = (uint)c;
                counts[key] = counts.GetValueOrDefault(key) + 1;
                header += Near(c, 0x1d, 0x27, 0x33) ? 1 : 0; // the header bar (the style sheet loaded)
                chartBlue += Near(c, 0x2b, 0x7b, 0xd6) ? 1 : 0; // the first series of every chart (the script drew)
            }
        }
        int pixels = bitmap.Width * bitmap.Height;
        int background = counts.Values.Max();
        TestContext.Out.WriteLine($"{bitmap.Width}x{bitmap.Height}: {counts.Count} colours, most common {100.0 * background / pixels:F1} %, header {header} px, chart blue {chartBlue} px; saved {png}");
        Assert.That(counts.Count, Is.GreaterThanOrEqualTo(16), "a drawn page has text and lines in several colours");
        Assert.That(background, Is.LessThan(pixels * 0.9), "not one colour all over");
        Assert.That(header, Is.GreaterThan(1280 * 20), "the header bar");
        Assert.That(chartBlue, Is.GreaterThan(200), "chart lines");
    }

    private static bool Near(SKColor c, int r, int g, int b) => Math.Abs(c.Red - r) + Math.Abs(c.Green - g) + Math.Abs(c.Blue - b) < 24;

    // The cells' texts of each row of the table's body.
    private static List<string[]> Rows(string dom, string table)
    {
        var body = Regex.Match(dom, $@"<table id=""{table}"">.*?<tbody>(.*?)</tbody>", RegexOptions.Singleline);
        Assert.That(body.Success, Is.True, $"table {table} is in the page");
        return Regex.Matches(body.Groups[1].Value, @"<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline)
            .Select(r => Regex.Matches(r.Groups[1].Value, @"<td[^>]*>(.*?)</td>", RegexOptions.Singleline).Select(c => System.Net.WebUtility.HtmlDecode(c.Groups[1].Value)).ToArray())
            .ToList();
    }
}
