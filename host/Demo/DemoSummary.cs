using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Host.Run;

namespace Attribution.Host.Demo;

/// <summary>The demo's closing summary: what was generated and produced, the pace and latency figures and the verdict.</summary>
internal static class DemoSummary
{
    private const int NameWidth = 38;
    private const int ValueWidth = 30;

    /// <summary>Writes the summary table and the verdict to <paramref name="w"/>.</summary>
    public static void Write(TextWriter w, DemoOptions demo, TrafficGenerator g, long startMs, PipelineStats s, AttributionCounters c,
        PaceReport pace, double peakRate, (long Output, long DeadLetters) inTopics, long misKeyed)
    {
        var ci = CultureInfo.InvariantCulture;
        void Row(string name, string value) => w.WriteLine(string.Create(ci, $"  │ {name,-NameWidth} │ {value,ValueWidth} │"));
        void Rule(char left, char middle, char right) => w.WriteLine($"  {left}{new string('─', NameWidth + 2)}{middle}{new string('─', ValueWidth + 2)}{right}");
        string N(long v) => v.ToString("N0", ci);
        string L(LatencyFigures l) => l.Count == 0 ? "none" : string.Create(ci, $"{l.P50} / {l.P99} / {l.P999} / {l.Max} ms");
        string keys = demo.InputKeys == DemoInputKeys.User ? "" : " --input-keys " + (demo.InputKeys == DemoInputKeys.RoundRobin ? "round-robin" : demo.InputKeys.ToString().ToLowerInvariant());
        string again = demo.Rate > 0
            ? $"attribution demo --seed {demo.Seed} --rate {demo.Rate} --events {demo.Events} --start-time {startMs}{keys}"
            : $"unpaced, event times follow the clock; similar: attribution demo --seed {demo.Seed} --rate 0 --events {demo.Events}{keys}";
        w.WriteLine(string.Create(ci, $"  summary (seed {demo.Seed}; same traffic again: {again})"));
        Rule('┌', '┬', '┐');
        Row("events generated", N(g.Generated));
        Row("  input keyed by", DemoRunner.KeyingName(demo.InputKeys));
        Row("    not on their user's partition", demo.InputKeys == DemoInputKeys.User ? $"{N(misKeyed)} (trusted)" : $"{N(misKeyed)} (re-keyed)");
        Row("  clicks", N(g.Clicks));
        Row("  conversions (re-sent duplicates)", $"{N(g.Conversions)} ({N(g.Duplicates)})");
        Row("  late events", N(g.Late));
        Row("  bad records", N(g.Bad));
        Row("events processed", N(s.Consumed));
        Row("attributed conversions produced", N(s.Produced));
        Row("  read back from attributed-events", N(inTopics.Output) + (demo.OutputFile is null ? "" : ", to file"));
        Row("rejected, sent to dead letters", N(s.DeadLetters));
        Row("  read back from dead-letter topic", N(inTopics.DeadLetters));
        for (int r = 1; r < RejectReasons.Count; r++)
        {
            if (c.Rejection((RejectReason)r) > 0)
            {
                Row("    " + RejectReasons.Name((RejectReason)r), N(c.Rejection((RejectReason)r)));
            }
        }
        Rule('├', '┼', '┤');
        foreach (AttributionOutcome o in Enum.GetValues<AttributionOutcome>())
        {
            if (c.Outcome(o) > 0)
            {
                Row(AttributionOutcomes.Name(o), N(c.Outcome(o)));
            }
        }
        Rule('├', '┼', '┤');
        Row("transactions committed (aborted)", $"{N(s.Commits)} ({N(s.Aborts)})");
        Row("elapsed, first due → all committed", string.Create(ci, $"{pace.ElapsedSeconds:F2} s"));
        string paced = demo.Rate == 0 ? "unpaced" : demo.Rate.ToString("N0", ci) + " paced";
        Row("events/s, generator", string.Create(ci, $"{pace.GeneratorRate:N0}"));
        Row("  behind its schedule at worst", double.IsNaN(pace.MaxBehindAtSeconds) ? "never"
            : string.Create(ci, $"{pace.MaxBehindSeconds * 1000:N0} ms at {pace.MaxBehindAtSeconds:F2} s"));
        Row("events/s, whole run (pace)", string.Create(ci, $"{pace.WholeRunRate:N0} ({paced})"));
        if (demo.Rate > 0)
        {
            Row(string.Create(ci, $"events/s, warm-up (first {pace.WarmUpSeconds:0.#} s)"), string.Create(ci, $"{pace.WarmUpRate:N0}"));
            Row("events/s, after warm-up", pace.SteadySeconds > 0 ? string.Create(ci, $"{pace.SteadyRate:N0} ({100 * pace.SteadyRate / demo.Rate:F1} %)") : "none");
        }
        Row("events/s, best half second", string.Create(ci, $"{peakRate:N0}"));
        Row("first transaction committed after", string.Create(ci, $"{pace.FirstCommitSeconds:F2} s"));
        if (pace.LongestPause.Seconds > 0)
        {
            Row(demo.Rate > 0 ? "longest commit pause after warm-up" : "longest commit pause", string.Create(ci, $"{pace.LongestPause.Seconds * 1000:N0} ms at {pace.LongestPause.Start:F2} s"));
        }
        Row("latency p50/p99/p99.9/max, whole run", L(pace.AllLatency));
        if (demo.Rate > 0)
        {
            Row("  warm-up", L(pace.WarmUpLatency));
            Row("  after warm-up", L(pace.SteadyLatency));
        }
        Rule('└', '┴', '┘');
        w.WriteLine("  end-to-end latency: from an input record's due time on the generator's schedule (its Kafka timestamp; the");
        w.WriteLine("  produce time when unpaced) until its attribution's transaction committed. Rates count input records whose");
        w.WriteLine("  processing is committed.");
        foreach (string line in pace.VerdictLines())
        {
            w.WriteLine("  " + line);
        }
    }
}
