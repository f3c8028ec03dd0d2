using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Attribution.Bench.Baseline;
using Attribution.Bench.Engine;
using Attribution.Bench.Reporting;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;

namespace Attribution.Bench.Nexmark;

/// <summary>
/// `dotnet run -c Release --project bench -- q18 [options]`: our engine on the operation closest to
/// Nexmark q18 ("last bid per bidder and auction", a deduplicating keyed-state query), measured per
/// core (events per CPU-second of the whole process), beside the naive Dictionary job and the published
/// Flink figure (53.7K events/s per core, nexmark/nexmark README, Flink 1.13 with RocksDB).
/// </summary>
/// <remarks>
/// The operation: every event is a click (bid) keyed by (user_id, campaign_id) ≈ (bidder, auction);
/// the engine keeps the latest by event time (docs/SEMANTICS.md, rule 1), so each event is decode + keyed read
/// + conditional write, like q18's ROW_NUMBER() … ORDER BY dateTime DESC = 1 dedup.
/// </remarks>
public sealed class Q18BenchSuite : IBenchSuite
{
    /// <summary>Flink's q18 throughput per core, nexmark/nexmark README "Nexmark Benchmark Result" (Flink 1.13, RocksDB, 8 × 1-slot TaskManagers).</summary>
    private const double FlinkPerCore = 53_700;

    /// <inheritdoc />
    public string Name => "q18";

    /// <inheritdoc />
    public string Description => "Nexmark q18-like dedup (latest click per user and campaign), per core, vs the naive job and Flink's published 53.7K/s/core";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => [EventsFlag, BiddersFlag, AuctionsFlag];

    private static readonly Option<long?> EventsFlag = BenchFlags.Whole("--events", "bids (default 2000000, --long 10000000)", new(1, int.MaxValue));
    private static readonly Option<long?> BiddersFlag = BenchFlags.Whole("--bidders", "bidders (default 10000)", new(1, int.MaxValue));
    private static readonly Option<long?> AuctionsFlag = BenchFlags.Whole("--auctions", "auctions (default 100)", new(1, int.MaxValue));

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        int events = (int)(flags.GetValue(EventsFlag) ?? (BenchReport.Long ? 10_000_000 : 2_000_000));
        int bidders = (int)(flags.GetValue(BiddersFlag) ?? 10_000);
        int auctions = (int)(flags.GetValue(AuctionsFlag) ?? 100);
        Console.WriteLine("## Nexmark q18-like: last click per (user, campaign), per core");
        Console.WriteLine();
        BenchProgress.Step($"generating {events:N0} bids (clicks)");
        LineStore lines = Bids(events, bidders, auctions, 20240601);
        Console.WriteLine($"Workload: {events:N0} clicks (the engine's upstream JSON, {lines.Bytes / (double)events:F0} B/line), user_id = bidder of {bidders:N0}, campaign_id = auction of {auctions:N0} " +
                          $"(up to {(long)bidders * auctions:N0} keys), event time rising 1 ms per event with 5 % of events up to 2 s late (those do not replace a newer click).");
        Console.WriteLine();

        var rows = new List<(string Name, double Seconds, double CpuSeconds, string Notes)>();
        int max = new AttributionConfig().MaxRecordBytes;
        BenchProgress.Step("limit: decode only");
        ParseLimits.Decode(lines, Math.Min(events, 300_000), max, out _);
        (double decode, double decodeCpu) = Timed(() => ParseLimits.Decode(lines, events, max, out _));
        rows.Add(("limit: JsonEventReader decode only (no state)", decode, decodeCpu, "one thread"));

        BenchProgress.Step("engine, 1 shard");
        var options = new EngineOptions { Shards = 1, ClickMemoryBytes = 512L << 20 }; // the engine's index size (2^16 buckets): 2^18 measured slower, bench/RESULTS.md
        EngineRunner.Saturated(options, lines, Math.Min(events, 300_000));
        EngineRunResult run = default!;
        double engineSeconds, engineCpu;
        using (ThroughputSeries series = ThroughputSeries.Start("engine, 1 shard", () => EngineRunner.Submitted))
        {
            (engineSeconds, engineCpu) = Timed(() => run = EngineRunner.Saturated(options, lines, events));
            BenchReport.AddThroughput("q18-like dedup, events/s over time", series);
        }
        rows.Add(("engine, 1 shard + source thread (FASTER)", engineSeconds, engineCpu, $"{run.StateNote}"));

        BenchProgress.Step("naive job (JsonSerializer + Dictionary)");
        var warm = new NaiveAttributor();
        for (int i = 0; i < Math.Min(events, 300_000); i++)
        {
            warm.Process(lines[i]);
        }
        var naive = new NaiveAttributor();
        long[] done = new long[1];
        double naiveSeconds, naiveCpu;
        using (ThroughputSeries series = ThroughputSeries.Start("naive job", () => Volatile.Read(ref done[0])))
        {
            (naiveSeconds, naiveCpu) = Timed(() =>
            {
                for (int i = 0; i < events; i++)
                {
                    naive.Process(lines[i]);
                    if ((i & 4095) == 4095)
                    {
                        Volatile.Write(ref done[0], i + 1);
                    }
                }
            });
            BenchReport.AddThroughput("q18-like dedup, events/s over time", series);
        }
        rows.Add(("naive job: JsonSerializer + Dictionary, 1 thread", naiveSeconds, naiveCpu, $"{naive.StoredClicks:N0} keys held"));

        Console.WriteLine("| contender | events/s (wall) | CPU-seconds (whole process) | **events/s per core** | vs Flink q18 (53.7K/s/core) | vs naive per core | notes |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|");
        double naivePerCore = events / naiveCpu;
        foreach ((string name, double seconds, double cpu, string notes) in rows)
        {
            double perCore = events / cpu;
            Console.WriteLine($"| {name} | {events / seconds:N0} | {cpu:F2} | **{perCore:N0}** | {perCore / FlinkPerCore:F1}× | {perCore / naivePerCore:F2}× | {notes} |");
        }
        Console.WriteLine($"| Flink 1.13, q18, RocksDB (published) | — | 12.49 cores × 149.1 s | **{FlinkPerCore:N0}** | 1.0× | — | nexmark/nexmark README, 100M events, 3 × 8-core workers |");
        Console.WriteLine();
        Console.WriteLine("Per core = events ÷ CPU time of this whole process during the timed run (Process.TotalProcessorTime: the source thread, the shard, " +
                          "the GC and FASTER), the way Nexmark divides by the cores its collector saw busy. " +
                          "The engine's shard waits with a yielding strategy, so its idle spinning counts as CPU too: the engine's figure errs low.");
        Console.WriteLine();
        Console.WriteLine("Differences in conditions, stated plainly:");
        Console.WriteLine("- Flink's q18 reads generated Bid rows in-process (no parsing; the generator's cost is in its cores) and emits an update per bid " +
                          "(ROW_NUMBER dedup output); ours parses each JSON line (the heavier part here, see the decode row) and emits nothing for a click.");
        Console.WriteLine("- Flink runs 8 parallel tasks on 3 × 8-core machines with RocksDB, incremental checkpoints every 3 minutes and network shuffles " +
                          "between source and operator; ours is one process, one shard, FASTER state in memory (hybrid log on a local file), no snapshot during the run, no network.");
        Console.WriteLine("- Flink's workload is 92 % bids among persons and auctions (others filtered); ours is 100 % keyed clicks over the key space above. " +
                          "Hardware differs (their workers vs this shared 2-core VM). Read the ratio as an order of magnitude, not a contest result.");
        Console.WriteLine();
        return 0;
    }

    private static (double Seconds, double CpuSeconds) Timed(Action action)
    {
        using Process self = Process.GetCurrentProcess();
        TimeSpan cpu0 = self.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        action();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        self.Refresh();
        return (seconds, (self.TotalProcessorTime - cpu0).TotalSeconds);
    }

    /// <summary>Clicks as bids: (bidder, auction) keys, mostly rising event time.</summary>
    private static LineStore Bids(int events, int bidders, int auctions, int seed)
    {
        var rng = new Random(seed);
        var store = new LineStore(events);
        var sb = new StringBuilder(256);
        long ts = 1_700_000_000_000;
        for (int i = 0; i < events; i++)
        {
            ts++;
            long at = rng.Next(100) < 5 ? ts - rng.Next(2000) : ts;
            int bidder = rng.Next(bidders);
            sb.Clear();
            sb.Append(CultureInfo.InvariantCulture,
                $"{{\"event_type\":\"click\",\"event_id\":\"bid-{i:D10}\",\"user_id\":\"bidder-{bidder:D8}\",\"campaign_id\":\"auction-{rng.Next(auctions):D6}\",\"ad_id\":\"ad-{rng.Next(1000)}\",\"source\":\"channel-{rng.Next(4)}\",\"timestamp\":{at}}}");
            store.Add(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        return store;
    }
}
