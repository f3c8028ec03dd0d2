using Attribution.Testing.State;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.State;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>The per-event path allocates nothing once the key set is warm (ZeroLog-style GC check).</summary>
public class AttributionAllocationTests
{
    private const long T0 = 1_678_886_400_000;
    private const int Users = 50;
    private const int ClickKeys = Users * 4;
    // Conversion ids recur every 4 × 25,000 events = 100,000 s of event time, longer than the
    // 25 h (90,000 s) retention: a recurring id is expired and re-attributed onto its existing key.
    private const int ConversionIds = 25_000;

    private struct CountingSink : IAttributionSink
    {
        public long Attributed;
        public long ClickTimes;

        public void OnAttributed(ref EventRecord conversion, scoped in ClickView click)
        {
            Attributed++;
            ClickTimes += click.Timestamp + click.EventId.Length + click.AdId.Length + click.Source.Length;
        }
    }

    [Test]
    public void Steady_workload_of_a_million_events_allocates_nothing()
    {
        var config = new AttributionConfig();
        var core = new AttributionCore<InMemoryStateTable>(config, new InMemoryStateTable(), new InMemoryStateTable());
        var click = Template(EventKind.Click);
        var conversion = Template(EventKind.Conversion);
        var sink = new CountingSink();

        const int WarmUp = 400_000;
        const int Measured = 1_000_000;
        Run(core, ref click, ref conversion, ref sink, 0, WarmUp); // creates every key, fills every history, tiers up the JIT
        long keys = core.Clicks.Count + core.Conversions.Count;
        long[] before = core.Counters.Outcomes.ToArray();

        long allocated = AllocationGate.ThreadBytes();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        Run(core, ref click, ref conversion, ref sink, WarmUp, WarmUp + Measured);
        TimeSpan elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        allocated = AllocationGate.ThreadBytes() - allocated;

        long[] during = core.Counters.Outcomes.Zip(before, (a, b) => a - b).ToArray();
        TestContext.Out.WriteLine($"{Measured:N0} events in {elapsed.TotalMilliseconds:F0} ms (informative only; bench/ measures)");
        Assert.That(during.Sum(), Is.EqualTo(Measured));
        TestContext.Out.WriteLine("outcomes during measurement: " + string.Join(", ",
            during.Select((n, o) => $"{AttributionOutcomes.Name((AttributionOutcome)o)}={n}")));
        AllocationGate.AssertNone(allocated, $"{Measured:N0} Process calls");
        Assert.That(core.Clicks.Count + core.Conversions.Count, Is.EqualTo(keys), "no new keys during measurement");
        Assert.Multiple(() =>
        {
            // The workload must exercise the write paths, or the 0 above would prove little.
            Assert.That(during[(int)AttributionOutcome.ClickStored], Is.GreaterThan(100_000));
            Assert.That(during[(int)AttributionOutcome.ClickTooOld] + during[(int)AttributionOutcome.ClickExpiredOnArrival], Is.GreaterThan(10_000));
            Assert.That(during[(int)AttributionOutcome.Attributed], Is.GreaterThan(100_000));
            Assert.That(during[(int)AttributionOutcome.DuplicateConversion], Is.GreaterThan(100_000));
            Assert.That(sink.Attributed, Is.EqualTo(core.Counters.Outcome(AttributionOutcome.Attributed)));
        });
    }

    private static void Run(AttributionCore<InMemoryStateTable> core, ref EventRecord click, ref EventRecord conversion, ref CountingSink sink, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            long ts = T0 + i * 1_000L;
            int n = i / 4;
            int key = n % ClickKeys;
            switch (i % 4)
            {
                case 0:
                    Patch(ref click, key, n % 1_000_000, ts);
                    core.Process(ref click, ref sink);
                    break;
                case 1:
                    // Out of order: 30 min late (joins or is too old for a full history), or 30 h late (expired on arrival).
                    Patch(ref click, key, n % 1_000_000, ts - (n % 2 == 0 ? 30 * 60_000L : 30 * AttributionConfig.HourMs));
                    core.Process(ref click, ref sink);
                    break;
                case 2:
                    Patch(ref conversion, key, n % ConversionIds, ts);
                    core.Process(ref conversion, ref sink);
                    break;
                default:
                    core.Process(ref conversion, ref sink); // the same id again: a duplicate
                    break;
            }
        }
    }

    private static EventRecord Template(EventKind kind)
    {
        var e = new EventRecord();
        e.Reset();
        e.Kind = kind;
        e.TrySet(ref e.EventId, (kind == EventKind.Click ? "c-000000"u8 : "v-000000"u8), EventRecord.MaxIdBytes);
        e.TrySet(ref e.UserId, "user-000"u8, EventRecord.MaxIdBytes);
        e.TrySet(ref e.CampaignId, "camp-0"u8, EventRecord.MaxIdBytes);
        if (kind == EventKind.Click)
        {
            e.TrySet(ref e.AdId, "ad-456"u8, EventRecord.MaxIdBytes);
            e.TrySet(ref e.Source, "facebook"u8, EventRecord.MaxLabelBytes);
        }
        else
        {
            e.TrySet(ref e.ConversionType, "purchase"u8, EventRecord.MaxLabelBytes);
            e.TrySet(ref e.Value, "19.99"u8, EventRecord.MaxValueBytes);
        }
        return e;
    }

    /// <summary>Rewrites the fixed-width digits of user, campaign and event id in place (no allocation).</summary>
    private static void Patch(ref EventRecord e, int key, int id, long ts)
    {
        int user = key % Users;
        e.Timestamp = ts;
        e.Partition = user % 4;
        Span<byte> bytes = e.Bytes;
        WriteDigits(bytes.Slice(e.UserId.Offset + 5, 3), user);
        WriteDigits(bytes.Slice(e.CampaignId.Offset + 5, 1), key / Users);
        WriteDigits(bytes.Slice(e.EventId.Offset + 2, 6), id);
    }

    private static void WriteDigits(Span<byte> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
