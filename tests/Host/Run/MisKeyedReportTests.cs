using System.Globalization;
using System.Text;
using Attribution.Host.Observability;
using Attribution.Host.Run;
using Prometheus;

namespace Attribution.Tests.Host.Run;

/// <summary>The mis-keyed input report: counts per partition, rate-limited warnings with a safe sample key, the metric, no allocation.</summary>
public class MisKeyedReportTests
{
    private const long Period = 10_000;

    [Test]
    public void Mis_keyed_records_are_counted_per_partition_and_well_keyed_ones_are_not()
    {
        var (report, _, _) = Create();
        report.Record(3, 5, "a"u8, keyIsNull: false);
        report.Record(3, 1, "b"u8, keyIsNull: false);
        report.Record(0, 2, default, keyIsNull: true);
        report.Record(4, 4, "well-keyed"u8, keyIsNull: false);
        Assert.Multiple(() =>
        {
            Assert.That(report.Count(3), Is.EqualTo(2));
            Assert.That(report.Count(0), Is.EqualTo(1));
            Assert.That(report.Count(4), Is.Zero, "a record in its own partition is not mis-keyed");
            Assert.That(report.Count(99), Is.Zero, "a partition never seen");
            Assert.That(report.Total, Is.EqualTo(3));
        });
    }

    [Test]
    public void A_partition_beyond_the_initial_count_is_taken_on()
    {
        var (report, _, registry) = Create(partitions: 2);
        report.Record(9, 1, "late"u8, keyIsNull: false);
        Assert.That(report.Count(9), Is.EqualTo(1));
        Assert.That(MetricValues(registry)["9"], Is.EqualTo(1));
    }

    [Test]
    public void One_line_per_period_and_partition_names_the_new_records_and_a_sample_key()
    {
        var (report, log, _) = Create();
        report.Record(3, 5, "session-42"u8, keyIsNull: false);
        report.Record(3, 6, "session-43"u8, keyIsNull: false);
        report.Record(1, 0, "user-7"u8, keyIsNull: false);
        report.MaybeReport(1_000);
        string[] first = Lines(log);
        Assert.That(first, Has.Length.EqualTo(2), string.Join('\n', first));
        Assert.That(first, Has.One.EndsWith("miskeyed partition=1 records=1 partition_total=1 expected_partition_of_sample=0 sample_key=\"user-7\" mode=rekey"));
        Assert.That(first, Has.One.EndsWith("miskeyed partition=3 records=2 partition_total=2 expected_partition_of_sample=5 sample_key=\"session-42\" mode=rekey"));
        Assert.That(first, Has.All.Contains(" warn keying miskeyed "), "warnings of the keying component");

        report.Record(3, 2, "session-99"u8, keyIsNull: false);
        report.Record(3, 2, "session-100"u8, keyIsNull: false);
        report.MaybeReport(1_000 + Period - 1);
        Assert.That(Lines(log), Has.Length.EqualTo(2), "no second line within the period");

        report.MaybeReport(1_000 + Period);
        string[] second = Lines(log).Skip(2).ToArray();
        Assert.That(second, Has.Length.EqualTo(1), "only the partition with new records: " + string.Join('\n', second));
        Assert.That(second[0], Does.EndWith("miskeyed partition=3 records=2 partition_total=4 expected_partition_of_sample=2 sample_key=\"session-99\" mode=rekey"),
            "the sample is refreshed once per line: the first key after the last line");

        report.MaybeReport(1_000 + 3 * Period);
        Assert.That(Lines(log), Has.Length.EqualTo(3), "nothing new, nothing written");
    }

    [Test]
    public void Null_binary_non_ascii_and_long_keys_are_rendered_safely()
    {
        var (report, log, _) = Create();
        byte[] binary = [0x00, 0xff, (byte)'"', (byte)' ', (byte)'\n', (byte)'\\', (byte)'k'];
        byte[] longKey = Encoding.ASCII.GetBytes(new string('x', 300));
        report.Record(0, 1, default, keyIsNull: true);
        report.Record(1, 0, binary, keyIsNull: false);
        report.Record(2, 0, Encoding.UTF8.GetBytes("usér-日本-🎯"), keyIsNull: false);
        report.Record(3, 0, longKey, keyIsNull: false);
        report.Record(4, 0, [], keyIsNull: false);
        report.MaybeReport(0);

        Dictionary<int, Dictionary<string, object?>> fields = Lines(log)
            .Select(l => new LogFields(l[l.IndexOf("miskeyed", StringComparison.Ordinal)..]).ToDictionary(p => p.Key, p => p.Value))
            .ToDictionary(f => (int)(long)f["partition"]!);
        Assert.Multiple(() =>
        {
            Assert.That(fields[0]["sample_key"], Is.EqualTo("null"));
            Assert.That(fields[1]["sample_key"], Is.EqualTo("\\x00\\xFF\\x22 \\x0A\\\\k"), "one line, no raw quote, control or invalid byte");
            Assert.That(fields[2]["sample_key"], Is.EqualTo("usér-日本-🎯"), "valid UTF-8 shown as text");
            Assert.That(fields[3]["sample_key"], Is.EqualTo(new string('x', MisKeyedReport.SampleKeyChars)), "cut to 64 characters");
            Assert.That(fields[3]["sample_key_bytes"], Is.EqualTo(300L), "a cut key names its length");
            Assert.That(fields[4]["sample_key"], Is.EqualTo(""));
            Assert.That(fields.Values.Select(f => f["mode"]), Has.All.EqualTo("rekey"), "every field parsed to the end of the line");
        });
    }

    [Test]
    public void Recording_allocates_nothing_in_steady_state()
    {
        var (report, _, _) = Create();
        byte[][] keys = Enumerable.Range(0, 64).Select(i => Encoding.UTF8.GetBytes($"user-{i}-{new string('k', i)}")).ToArray();
        long now = 0;
        void Records()
        {
            for (int i = 0; i < 100_000; i++)
            {
                int partition = i % 8;
                // Mostly mis-keyed, some well keyed, some null keys.
                report.Record(partition, i % 5 == 0 ? partition : (partition + 1) % 8, keys[i % keys.Length], keyIsNull: i % 7 == 0);
            }
        }
        Records(); // first samples: each partition's buffer is created once
        report.MaybeReport(now);
        var bytes = new List<long>();
        for (int attempt = 0; attempt < 3 && (bytes.Count == 0 || bytes[^1] != 0); attempt++)
        {
            // Outside the measurement: a line per partition, so each partition copies a fresh sample in the window.
            now += Period;
            report.MaybeReport(now);
            long before = AllocationGate.ThreadBytes();
            Records();
            bytes.Add(AllocationGate.ThreadBytes() - before);
        }
        string measured = string.Join(", ", bytes.Select(b => b.ToString("N0", CultureInfo.InvariantCulture) + " B"));
        TestContext.Out.WriteLine($"100,000 Record calls (8 sample copies each) on the test thread: {measured}, window by window");
        Assert.That(bytes[^1], Is.Zero, $"100,000 Record calls allocated {measured} (a window without allocation expected)");
        // Four in five calls are mis-keyed (every fifth is in its own partition).
        Assert.That(report.Total, Is.EqualTo(80_000L * (1 + bytes.Count)), "every mis-keyed call counted, warm-up included");
    }

    [Test]
    public void The_counter_per_partition_is_exported_on_the_runs_registry()
    {
        var (report, _, registry) = Create();
        for (int i = 0; i < 5; i++)
        {
            report.Record(3, 1, "k"u8, keyIsNull: false);
        }
        report.Record(6, 0, default, keyIsNull: true);
        report.Record(2, 2, "well-keyed"u8, keyIsNull: false);

        Dictionary<string, double> values = MetricValues(registry);
        Assert.Multiple(() =>
        {
            Assert.That(values["3"], Is.EqualTo(report.Count(3)).And.EqualTo(5));
            Assert.That(values["6"], Is.EqualTo(report.Count(6)).And.EqualTo(1));
            Assert.That(values["2"], Is.Zero, "every partition's series is there from the start, at 0");
            Assert.That(values.Values.Sum(), Is.EqualTo(report.Total));
        });
    }

    private static (MisKeyedReport Report, StringWriter Log, CollectorRegistry Registry) Create(int partitions = 8)
    {
        var log = new StringWriter();
        var stats = new PipelineStats();
        var report = new MisKeyedReport(new RunLog(log), stats.Metrics, "rekey", partitions, TimeSpan.FromMilliseconds(Period));
        return (report, log, stats.Metrics);
    }

    private static string[] Lines(StringWriter log) =>
        log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Contains("miskeyed", StringComparison.Ordinal)).ToArray();

    // The counter's samples by partition label, read from the registry's text exposition (what a scrape sees).
    private static Dictionary<string, double> MetricValues(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        string prefix = MisKeyedReport.MetricName + "{partition=\"";
        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n')
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(
                l => l[prefix.Length..l.IndexOf('"', prefix.Length)],
                l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }
}
