using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;
using Attribution.Bench.Reporting;
using HdrHistogram;

namespace Attribution.Bench.State;

/// <summary>
/// <c>state</c>: the FASTER state table against a <c>Dictionary&lt;string, ClickClass&gt;</c> holding
/// last clicks with upstream-sized ids — insert, update and read throughput, and memory per
/// tracked click with every click in memory. <c>--keys 1000000[,10000000]</c> sets the sizes,
/// <c>--dir PATH</c> where FASTER's files go (default: the temp folder).
/// </summary>
public sealed class StateBenchSuite : IBenchSuite
{
    private const int LatencySamples = 500_000;
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;
    // A prime near 2^32 / golden ratio: (j * Stride) % n visits every index in a scattered order for any n it does not divide
    // (1_000_003 before: ≡ 3 mod 10^6, so the 1M-key runs read almost sequentially, which the prefetcher loves).
    private const long Stride = 2_654_435_761;

    /// <inheritdoc />
    public string Name => "state";

    /// <inheritdoc />
    public string Description => "FASTER state table vs Dictionary<string, ClickClass>: ops/s and memory per click";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => [KeysFlag, DirFlag];

    private static readonly Option<long[]?> KeysFlag = BenchFlags.List("--keys", "keys in the table, one run each (default 1000000)", 1000);
    private static readonly Option<string?> DirFlag = BenchFlags.Text("--dir", "working directory (default: a temporary one)");

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        // System.CommandLine gives an empty array, not null, for a list option that was not given.
        var sizes = flags.GetValue(KeysFlag) is { Length: > 0 } given ? given.ToList() : [1_000_000];
        var root = flags.GetValue(DirFlag) ?? Path.Combine(Path.GetTempPath(), "attribution-bench-state");
        if (sizes.Any(n => n < 1000))
        {
            Console.Error.WriteLine("state: --keys must be at least 1000.");
            return 2;
        }

        var rows = new List<Row>();
        var limits = new List<(long Clicks, double PerSecond)>();
        foreach (var n in sizes)
        {
            rows.Add(RunFaster(n, root));
            rows.Add(RunDictionary(n));
            limits.Add((n, MemoryLimit(n)));
        }

        Console.WriteLine();
        Console.WriteLine($"State table: {ClickFixture.KeyBytes}-byte keys, {ClickFixture.ValueBytes}-byte values (one click with upstream-sized ids); " +
            $"FASTER record = {FasterStateTable.RecordBytes(ClickFixture.KeyBytes, ClickFixture.ValueBytes)} B. Ops include building the key (and value) from ids.");
        Console.WriteLine();
        Console.WriteLine("| store | clicks | insert ops/s | update ops/s | read ops/s | GC heap Δ B/click | working set Δ B/click | index + log B/click |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Store} | {r.Clicks:N0} | {r.InsertPerSecond:N0} | {r.UpdatePerSecond:N0} | {r.ReadPerSecond:N0} | {r.HeapPerClick:N1} | {r.WorkingSetPerClick:N1} | {r.StructurePerClick} |");
        }
        foreach ((long clicks, double perSecond) in limits)
        {
            Console.WriteLine($"| limit: one 8-byte load per look-up from a {clicks * FasterStateTable.RecordBytes(ClickFixture.KeyBytes, ClickFixture.ValueBytes) >> 20} MiB array, same scattered order | {clicks:N0} | | | {perSecond:N0} | | | |");
        }
        for (int i = 0; i + 1 < rows.Count; i += 2)
        {
            Row f = rows[i], d = rows[i + 1];
            Console.WriteLine($"| **FASTER ÷ Dictionary** | {f.Clicks:N0} | {f.InsertPerSecond / d.InsertPerSecond:F2}× | {f.UpdatePerSecond / d.UpdatePerSecond:F2}× | {f.ReadPerSecond / d.ReadPerSecond:F2}× | " +
                              $"{f.HeapPerClick / d.HeapPerClick:F2}× | {f.WorkingSetPerClick / d.WorkingSetPerClick:F2}× | |");
        }
        Console.WriteLine();
        Console.WriteLine("Both stores run in this process, one after the other, single-threaded; the ratio row is what holds on a loaded machine. " +
                          "The latency table below times single reads (500,000 of them, each with two Stopwatch reads around it).");
        Console.WriteLine();
        return 0;
    }

    private static Row RunFaster(long n, string root)
    {
        var buckets = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(64, n / 6));
        var logBytes = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(64L << 20, n * FasterStateTable.RecordBytes(ClickFixture.KeyBytes, ClickFixture.ValueBytes) * 11 / 10));
        var options = new FasterStateTableOptions
        {
            Directory = root,
            Name = "bench-" + n.ToString(CultureInfo.InvariantCulture),
            IndexBuckets = buckets,
            MemoryBytes = logBytes,
            DeleteOnDispose = true,
        };
        Console.Error.WriteLine($"FASTER {n:N0}: {buckets:N0} index buckets, {logBytes >> 20} MiB log budget");
        var (heap0, ws0) = Measure();
        using var table = FasterStateTable.Create(options);
        Span<byte> key = stackalloc byte[ClickFixture.KeyBytes];
        Span<byte> value = stackalloc byte[ClickFixture.ValueBytes];
        var buffer = new byte[IStateTable.MaxValueBytes];

        BenchProgress.Step($"FASTER: {n:N0} inserts, updates, reads");
        long[] done = new long[1];
        var series = ThroughputSeries.Start($"FasterStateTable, {n:N0} inserts", () => Volatile.Read(ref done[0]));
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < n; i++)
        {
            ClickFixture.WriteKey(i, key);
            ClickFixture.WriteValue(i, 0, value);
            table.Upsert(key, value);
            if ((i & 4095) == 4095)
            {
                Volatile.Write(ref done[0], i + 1);
            }
        }
        var insert = n / clock.Elapsed.TotalSeconds;
        series.Dispose();
        BenchReport.AddThroughput("state inserts, ops/s over time", series);
        if (table.Count != n)
        {
            throw new InvalidOperationException($"FASTER table holds {table.Count} entries after inserting {n}.");
        }
        var (heap1, ws1) = Measure();
        var stats = table.GetStats();

        clock.Restart();
        for (long j = 0; j < n; j++)
        {
            var i = j * Stride % n;
            ClickFixture.WriteKey(i, key);
            ClickFixture.WriteValue(i, 1, value);
            table.Upsert(key, value);
        }
        var update = n / clock.Elapsed.TotalSeconds;

        clock.Restart();
        long found = 0;
        for (long j = 0; j < n; j++)
        {
            ClickFixture.WriteKey(j * Stride % n, key);
            found += table.Read(key, buffer) == ClickFixture.ValueBytes ? 1 : 0;
        }
        var read = n / clock.Elapsed.TotalSeconds;
        if (found != n)
        {
            throw new InvalidOperationException($"FASTER read back {found} of {n} clicks.");
        }
        var latency = new LongHistogram(1_000_000_000, 3);
        for (long j = 0; j < Math.Min(n, LatencySamples); j++)
        {
            long t0 = Stopwatch.GetTimestamp();
            ClickFixture.WriteKey(j * Stride % n, key);
            found += table.Read(key, buffer) == ClickFixture.ValueBytes ? 1 : 0;
            latency.RecordValue(Math.Max(1, (long)((Stopwatch.GetTimestamp() - t0) * NanosPerTick)));
        }
        BenchReport.AddLatency($"state read, one operation ({n:N0} clicks; includes ~20 ns of timer)", "FasterStateTable", latency);

        var structure = stats.IndexBytes + stats.OverflowBucketBytes + stats.LogMemoryBytes;
        Console.Error.WriteLine($"FASTER {n:N0}: {stats}");
        return new Row("FasterStateTable", n, insert, update, read,
            (double)(heap1 - heap0) / n, (double)(ws1 - ws0) / n,
            $"{(double)structure / n:N1} (index {(double)(stats.IndexBytes + stats.OverflowBucketBytes) / n:N1} + log pages {(double)stats.LogMemoryBytes / n:N1}; records {(double)stats.LogBytes / n:N1})");
    }

    private static Row RunDictionary(long n)
    {
        Console.Error.WriteLine($"Dictionary {n:N0}");
        var (heap0, ws0) = Measure();
        var clicks = new Dictionary<string, ClickClass>();

        BenchProgress.Step($"Dictionary: {n:N0} inserts, updates, reads");
        long[] done = new long[1];
        var series = ThroughputSeries.Start($"Dictionary<string, ClickClass>, {n:N0} inserts", () => Volatile.Read(ref done[0]));
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < n; i++)
        {
            clicks[ClickFixture.StringKey(i)] = ClickFixture.NewClick(i, 0);
            if ((i & 4095) == 4095)
            {
                Volatile.Write(ref done[0], i + 1);
            }
        }
        var insert = n / clock.Elapsed.TotalSeconds;
        series.Dispose();
        BenchReport.AddThroughput("state inserts, ops/s over time", series);
        var (heap1, ws1) = Measure();

        clock.Restart();
        for (long j = 0; j < n; j++)
        {
            var i = j * Stride % n;
            clicks[ClickFixture.StringKey(i)] = ClickFixture.NewClick(i, 1);
        }
        var update = n / clock.Elapsed.TotalSeconds;

        clock.Restart();
        long found = 0;
        for (long j = 0; j < n; j++)
        {
            found += clicks.TryGetValue(ClickFixture.StringKey(j * Stride % n), out var click) && click.EventId.Length == 36 ? 1 : 0;
        }
        var read = n / clock.Elapsed.TotalSeconds;
        if (found != n || clicks.Count != n)
        {
            throw new InvalidOperationException($"Dictionary read back {found} of {n} clicks.");
        }
        var latency = new LongHistogram(1_000_000_000, 3);
        for (long j = 0; j < Math.Min(n, LatencySamples); j++)
        {
            long t0 = Stopwatch.GetTimestamp();
            found += clicks.TryGetValue(ClickFixture.StringKey(j * Stride % n), out var click) && click.EventId.Length == 36 ? 1 : 0;
            latency.RecordValue(Math.Max(1, (long)((Stopwatch.GetTimestamp() - t0) * NanosPerTick)));
        }
        BenchReport.AddLatency($"state read, one operation ({n:N0} clicks; includes ~20 ns of timer)", "Dictionary<string, ClickClass>", latency);
        GC.KeepAlive(clicks);
        return new Row("Dictionary<string, ClickClass>", n, insert, update, read,
            (double)(heap1 - heap0) / n, (double)(ws1 - ws0) / n, "n/a");
    }

    /// <summary>
    /// The physical limit of a look-up: one load from a random place in memory as large as the FASTER log
    /// (a cache miss, no hashing, no key compare), in the read loop's order. Independent loads, like the reads.
    /// </summary>
    private static double MemoryLimit(long n)
    {
        long words = n * FasterStateTable.RecordBytes(ClickFixture.KeyBytes, ClickFixture.ValueBytes) / sizeof(long);
        var memory = new long[words];
        long perRecord = words / n;
        for (long i = 0; i < words; i += 512)
        {
            memory[i] = i; // touch every page before timing
        }
        long sum = 0;
        var clock = Stopwatch.StartNew();
        for (long j = 0; j < n; j++)
        {
            sum += memory[(j * Stride % n) * perRecord];
        }
        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sum);
        return n / seconds;
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64);
    }

    private sealed record Row(string Store, long Clicks, double InsertPerSecond, double UpdatePerSecond, double ReadPerSecond,
        double HeapPerClick, double WorkingSetPerClick, string StructurePerClick);
}
