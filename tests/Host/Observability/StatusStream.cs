using System.Globalization;
using System.Text;

namespace Attribution.Tests.Host.Observability;

/// <summary>
/// A small input whose every figure is known by construction: per partition, clicks of distinct users, conversions
/// of some of them (each attributed), and bad records of known reasons, stamped a few minutes before the test ran.
/// </summary>
internal sealed class StatusStream
{
    public const int Partitions = 3;
    public const int ClicksPerPartition = 40;
    public const int ConversionsPerPartition = 15;

    private readonly List<string>[] _lines = Enumerable.Range(0, Partitions).Select(_ => new List<string>()).ToArray();

    public StatusStream(long baseMs)
    {
        BaseMs = baseMs;
        var max = new long[Partitions];
        for (int p = 0; p < Partitions; p++)
        {
            for (int i = 0; i < ClicksPerPartition; i++)
            {
                long ts = baseMs + p * 1_000 + i * 100;
                _lines[p].Add(Invariant($$"""{"event_type":"click","event_id":"c-{{p}}-{{i}}","user_id":"u-{{p}}-{{i}}","campaign_id":"camp-{{i % 4}}","ad_id":"ad-{{i}}","source":"web","timestamp":{{ts}}}"""));
                max[p] = Math.Max(max[p], ts);
            }
            for (int i = 0; i < ConversionsPerPartition; i++)
            {
                long ts = baseMs + p * 1_000 + i * 100 + 50;
                _lines[p].Add(Invariant($$"""{"event_type":"conversion","event_id":"v-{{p}}-{{i}}","user_id":"u-{{p}}-{{i}}","campaign_id":"camp-{{i % 4}}","type":"purchase","value":1.5,"timestamp":{{ts}}}"""));
                max[p] = Math.Max(max[p], ts);
            }
            // Bad records: p + 1 of invalid JSON, one of an unknown event type, two clicks without an ad_id.
            for (int i = 0; i <= p; i++)
            {
                _lines[p].Add("this is not json " + i.ToString(CultureInfo.InvariantCulture));
            }
            _lines[p].Add(Invariant($$"""{"event_type":"view","event_id":"x-{{p}}","user_id":"u-{{p}}-0","campaign_id":"camp-0","timestamp":{{baseMs}}}"""));
            _lines[p].Add(Invariant($$"""{"event_type":"click","event_id":"m-{{p}}-0","user_id":"u-{{p}}-0","campaign_id":"camp-0","source":"web","timestamp":{{baseMs}}}"""));
            _lines[p].Add(Invariant($$"""{"event_type":"click","event_id":"m-{{p}}-1","user_id":"u-{{p}}-1","campaign_id":"camp-1","source":"web","timestamp":{{baseMs}}}"""));
        }
        WatermarkMs = max;
    }

    /// <summary>The earliest event time.</summary>
    public long BaseMs { get; }

    /// <summary>Per partition, the largest event time of its valid events.</summary>
    public long[] WatermarkMs { get; }

    /// <summary>Records per partition.</summary>
    public int Count(int partition) => _lines[partition].Count;

    /// <summary>Dead letters by reason over all partitions.</summary>
    public static IReadOnlyDictionary<string, int> DeadLetters => new Dictionary<string, int>
    {
        ["invalid_json"] = Enumerable.Range(1, Partitions).Sum(),
        ["unknown_event_type"] = Partitions,
        ["missing_field"] = 2 * Partitions,
    };

    /// <summary>Attributions the input makes: each conversion finds its user's click of the same campaign 50 ms before.</summary>
    public static int Attributions => Partitions * ConversionsPerPartition;

    /// <summary>Produces every partition's records with kcat, keyed by user (explicit partitions).</summary>
    public void Produce(string kcat, string bootstrap, string topic)
    {
        for (int p = 0; p < Partitions; p++)
        {
            var text = new StringBuilder();
            foreach (string line in _lines[p])
            {
                text.Append("k-").Append(p).Append('\t').Append(line).Append('\n');
            }
            var (exit, stderr) = Attribution.Tests.Host.Run.RunTestKit.RunKcat(kcat,
                ["-b", bootstrap, "-t", topic, "-P", "-p", p.ToString(CultureInfo.InvariantCulture), "-K", "\t"], text.ToString());
            Assert.That(exit, Is.Zero, $"kcat -P failed: {stderr}");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
