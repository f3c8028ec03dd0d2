using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>
/// Zero allocations per event in steady state on the whole engine path: decoding into ring slots on
/// the submitting thread, and the shard threads (ring hand-off, attribution core, FASTER reads and
/// in-place updates, output encoding and delivery). Each thread's own allocation counter is read
/// before and after one million events.
/// </summary>
[Category(TestCategories.Slow)]
public class EngineAllocationTests
{
    /// <summary>Counts delivered bytes without keeping them.</summary>
    private sealed class CountingOutput : IEngineOutput
    {
        public long Records;
        public long Bytes;

        public void Deliver(OutputBatch batch)
        {
            Interlocked.Add(ref Records, batch.Count);
            Interlocked.Add(ref Bytes, batch.Length);
        }
    }

    /// <summary>
    /// A steady workload over a fixed key set: each round every user clicks (fixed-length ids, so
    /// the full click history is rewritten in place) and converts twice (the second is a duplicate);
    /// conversion ids repeat after their retention, so attributions keep happening on existing keys.
    /// Lines are templates whose 13-digit timestamp is rewritten in place for each round, so event
    /// time keeps moving forward without rendering anything in the timed loop.
    /// </summary>
    private sealed class Workload
    {
        private const long Step = 20 * 60_000; // 20 minutes of event time per round; window and retention 1 h
        private const long Start = 1_700_000_000_000;
        private readonly List<(byte[] Line, int TsAt, long Offset)>[] _templates;

        public Workload(int users)
        {
            _templates = new List<(byte[], int, long)>[10];
            for (int r = 0; r < _templates.Length; r++)
            {
                var lines = new List<(byte[], int, long)>();
                for (int u = 0; u < users; u++)
                {
                    string user = "user-" + u.ToString("D6");
                    string camp = "camp-" + (u % 7);
                    string click = "{\"event_type\":\"click\",\"event_id\":\"c-" + u.ToString("D6") + "-" + (r % 10) + "\",\"user_id\":\"" + user
                        + "\",\"campaign_id\":\"" + camp + "\",\"ad_id\":\"ad-" + (u % 10) + "\",\"source\":\"facebook\",\"metadata\":{\"geo\":\"US\"},\"timestamp\":";
                    string conversion = "{\"event_type\":\"conversion\",\"event_id\":\"v-" + u.ToString("D6") + "-" + (r % 5) + "\",\"user_id\":\"" + user
                        + "\",\"campaign_id\":\"" + camp + "\",\"type\":\"purchase\",\"value\":19.99,\"timestamp\":";
                    lines.Add(Template(click, 0));
                    lines.Add(Template(conversion, 1000));
                    lines.Add(Template(conversion, 1000));
                }
                _templates[r] = lines;
            }
        }

        private static (byte[], int, long) Template(string head, long offset)
        {
            byte[] line = Encoding.UTF8.GetBytes(head + Start.ToString() + "}");
            return (line, Encoding.UTF8.GetByteCount(head), offset);
        }

        /// <summary>Submits round <paramref name="round"/>; returns events submitted.</summary>
        public int Submit(AttributionEngine engine, long round, ref long position)
        {
            var lines = _templates[round % _templates.Length];
            long ts = Start + round * Step;
            foreach (var (line, at, offset) in lines)
            {
                System.Buffers.Text.Utf8Formatter.TryFormat(ts + offset, line.AsSpan(at, 13), out _);
                engine.Submit(line, position: position++, partition: -1);
            }
            return lines.Count;
        }
    }

    [Test]
    public void One_million_events_through_the_engine_allocate_zero_bytes_on_every_thread()
    {
        const int users = 2_000;
        var output = new CountingOutput();
        var options = new EngineOptions
        {
            Attribution = new AttributionConfig { WindowMs = AttributionConfig.HourMs, AllowedLatenessMs = 0, ConversionRetentionMs = AttributionConfig.HourMs },
            Shards = 2,
            RingSize = 1024,
            Wait = WaitKind.Yielding,
            ExpireEveryEvents = long.MaxValue, // sweeps are periodic maintenance, measured separately from the per-event path
        };
        var workload = new Workload(users);
        using var engine = new AttributionEngine(options, output);
        long round = 0, position = 0;
        void RunEvents(long events)
        {
            long sent = 0;
            while (sent < events)
            {
                sent += workload.Submit(engine, round++, ref position);
            }
        }

        // Warm-up: JIT tiers, FASTER pages, output buffers, click histories filled to their final size.
        RunEvents(600_000);
        engine.Flush();
        var before = new ShardThreadBytes(options.Shards);
        engine.Execute(before, TimeSpan.FromMinutes(1));
        long attributedBefore = engine.GetCounters().Outcome(AttributionOutcome.Attributed);
        long producerBefore = AllocationGate.ThreadBytes();

        RunEvents(1_000_000);

        long producerAfter = AllocationGate.ThreadBytes();
        var after = new ShardThreadBytes(options.Shards);
        engine.Execute(after, TimeSpan.FromMinutes(1));
        var counters = engine.GetCounters();
        long attributed = counters.Outcome(AttributionOutcome.Attributed) - attributedBefore;

        TestContext.Out.WriteLine($"producer: {producerAfter - producerBefore} B; shards: {string.Join(", ", Enumerable.Range(0, options.Shards).Select(i => after.Bytes[i] - before.Bytes[i]))} B; attributed in window: {attributed}; duplicates: {counters.Outcome(AttributionOutcome.DuplicateConversion)}");
        Assert.Multiple(() =>
        {
            Assert.That(engine.FaultCount, Is.Zero);
            Assert.That(attributed, Is.GreaterThan(100_000), "the measured window must include attributions");
            Assert.That(counters.Outcome(AttributionOutcome.DuplicateConversion), Is.GreaterThan(100_000));
            AllocationGate.AssertNone(producerAfter - producerBefore, "the submitting thread (decode into ring slots), 1,000,000 events");
            for (int i = 0; i < options.Shards; i++)
            {
                AllocationGate.AssertNone(after.Bytes[i] - before.Bytes[i], $"the thread of shard {i}, 1,000,000 events");
            }
        });
    }
}
