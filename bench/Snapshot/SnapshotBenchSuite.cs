using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Attribution.Bench.Reporting;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;

namespace Attribution.Bench.Snapshot;

/// <summary>
/// <c>snapshot</c>: an engine holding N distinct clicks takes snapshots (duration, processing pause,
/// bytes) — idle, and while the producer keeps submitting — then is reopened from the snapshot
/// (verification of every file, then FASTER recovery). <c>--clicks 1000000[,10000000]</c>,
/// <c>--shards N</c> (default 2), <c>--memory-mb M</c> in-memory log per click table (default 64,
/// the engine's default), <c>--dir PATH</c> for the state (default: the temp folder).
/// </summary>
public sealed class SnapshotBenchSuite : IBenchSuite
{
    /// <inheritdoc />
    public string Name => "snapshot";

    /// <inheritdoc />
    public string Description => "snapshot duration, size and processing pause; restore (verify + recover) duration";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => [ClicksFlag, ShardsFlag, MemoryFlag, DirFlag];

    private static readonly Option<long[]?> ClicksFlag = BenchFlags.List("--clicks", "clicks in state, one run each (default 1000000)", 10_000);
    private static readonly Option<long?> ShardsFlag = BenchFlags.Whole("--shards", "shards (default 2)", EngineOptions.ShardsRange);
    private static readonly Option<long?> MemoryFlag = BenchFlags.Whole("--memory-mb", "per-shard click memory in MiB (default 64)", new(EngineOptions.MemoryBytesRange.Min >> 20, EngineOptions.MemoryBytesRange.Max >> 20));
    private static readonly Option<string?> DirFlag = BenchFlags.Text("--dir", "working directory (default: a temporary one)");

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        // System.CommandLine gives an empty array, not null, for a list option that was not given.
        var sizes = flags.GetValue(ClicksFlag) is { Length: > 0 } given ? given.ToList() : [1_000_000];
        int shards = (int)(flags.GetValue(ShardsFlag) ?? 2);
        long memoryMb = flags.GetValue(MemoryFlag) ?? 64;
        string root = flags.GetValue(DirFlag) ?? Path.Combine(Path.GetTempPath(), "attribution-bench-snapshot");
        if (sizes.Any(n => n < 10_000) || shards < 1 || memoryMb < 1)
        {
            Console.Error.WriteLine("snapshot: --clicks must be at least 10000, --shards and --memory-mb at least 1.");
            return 2;
        }

        var rows = new List<string>();
        foreach (long n in sizes)
        {
            rows.AddRange(RunOne(n, shards, memoryMb, Path.Combine(root, n.ToString(CultureInfo.InvariantCulture))));
        }
        Console.WriteLine();
        Console.WriteLine($"Snapshot bench: {Environment.ProcessorCount} cores, {shards} shards, {memoryMb} MiB in-memory log per click table, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{LoadAverage()}.");
        Console.WriteLine("Pause = longest time a shard stopped processing for the cut; duration = cut published to manifest durable (checkpoints written while processing goes on, files checksummed and fsync'd).");
        Console.WriteLine();
        Console.WriteLine("| clicks | step | duration | checkpoint write | checksum + sync + manifest | pause | written | snapshot files | read to checksum |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (string row in rows)
        {
            Console.WriteLine(row);
        }
        return 0;
    }

    private static IEnumerable<string> RunOne(long n, int shards, long memoryMb, string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        long perShard = n / shards;
        var options = new EngineOptions
        {
            Shards = shards,
            StateDirectory = dir,
            // About 5 keys per 7-entry bucket (the state bench measured 2^21 buckets for 10M keys).
            IndexBuckets = (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1 << 16, perShard / 5)),
            // Clicks only here; a conversion-id index as large as the click index would double what every snapshot writes.
            ConversionIndexBuckets = 1 << 16,
            ClickMemoryBytes = memoryMb << 20,
            Logger = line => Console.Error.WriteLine("engine: " + line),
        };
        var rows = new List<string>();
        var lines = new ClickLines();
        BenchProgress.Step($"snapshot: {n:N0} clicks, {shards} shards");
        long[] done = new long[1];
        using var series = ThroughputSeries.Start($"{n:N0} clicks, snapshot 2 taken at {n + Math.Min(n / 10, 1_000_000) / 10:N0}", () => Volatile.Read(ref done[0]));
        BenchReport.AddThroughput("clicks submitted per second while loading and during the second snapshot", series);
        var clock = Stopwatch.StartNew();
        using (var engine = new AttributionEngine(options, NullOutput.Instance))
        {
            for (long i = 0; i < n; i++)
            {
                engine.Submit(lines.Get(i), position: i);
                if ((i & 4095) == 4095)
                {
                    Volatile.Write(ref done[0], i + 1);
                }
            }
            engine.Flush();
            Console.Error.WriteLine($"{n:N0} clicks applied in {clock.Elapsed.TotalSeconds:F1} s ({n / clock.Elapsed.TotalSeconds:N0}/s); state {engine.StateCounts()}");

            SnapshotInfo first = engine.Snapshot();
            rows.Add(Row(n, "first snapshot, idle", first));
            double disk = DiskLimit(dir, first.Bytes);
            rows.Add($"| {n:N0} | limit: the same {Mib(first.Bytes)} written sequentially by one FileStream + fsync | {disk:F2} s | | | | {Mib(first.Bytes)} | | |");

            // A second one while the producer keeps going: the cut is published from the submit loop,
            // the checkpoint is written while the shards process on.
            long extra = Math.Min(n / 10, 1_000_000);
            Task<SnapshotInfo>? running = null;
            clock.Restart();
            for (long i = n; i < n + extra; i++)
            {
                engine.Submit(lines.Get(i), position: i);
                if ((i & 4095) == 4095)
                {
                    Volatile.Write(ref done[0], i + 1);
                }
                if (i == n + extra / 10)
                {
                    running = engine.SnapshotAsync();
                }
            }
            double submitSeconds = clock.Elapsed.TotalSeconds;
            SnapshotInfo busy = running!.GetAwaiter().GetResult();
            engine.Flush();
            Console.Error.WriteLine($"{extra:N0} more clicks submitted in {submitSeconds:F1} s ({extra / submitSeconds:N0}/s) while snapshot {busy.Sequence} was taken");
            rows.Add(Row(n, "under load (producer submitting)", busy));

            SnapshotInfo idle = engine.Snapshot();
            rows.Add(Row(n, "third snapshot, idle", idle));
        }

        var store = new SnapshotStore(dir);
        clock.Restart();
        string? problem = store.Verify(SnapshotStore.Read(store.List()[0].Path));
        double verify = clock.Elapsed.TotalSeconds;
        if (problem is not null)
        {
            throw new InvalidOperationException($"The snapshot does not verify: {problem}");
        }
        clock.Restart();
        long recovered;
        using (var engine = AttributionEngine.Open(options, NullOutput.Instance))
        {
            recovered = engine.StateCounts().Clicks;
        }
        double open = clock.Elapsed.TotalSeconds;
        if (recovered != n + Math.Min(n / 10, 1_000_000))
        {
            throw new InvalidOperationException($"The reopened engine holds {recovered:N0} clicks.");
        }
        rows.Add($"| {n:N0} | restore: verify all files | {verify:F2} s | | | | | | |");
        rows.Add($"| {n:N0} | restore: Open (verify + FASTER recovery) | {open:F2} s | | | | | | |");
        Directory.Delete(dir, recursive: true);
        return rows;
    }

    /// <summary>The physical limit of a snapshot here: seconds to write <paramref name="bytes"/> sequentially and fsync them.</summary>
    private static double DiskLimit(string dir, long bytes)
    {
        string path = Path.Combine(dir, "disk-limit.bin");
        byte[] block = new byte[1 << 20];
        Random.Shared.NextBytes(block);
        var clock = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (long written = 0; written < bytes; written += block.Length)
            {
                file.Write(block, 0, (int)Math.Min(block.Length, bytes - written));
            }
            file.Flush(flushToDisk: true);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return seconds;
    }

    private static string Row(long n, string step, SnapshotInfo info)
        => $"| {n:N0} | {step} | {info.Duration.TotalSeconds:F2} s | {info.CheckpointWrite.TotalSeconds:F2} s | {info.Seal.TotalSeconds:F2} s | {info.Pause.TotalMilliseconds:F2} ms | {Mib(info.Bytes)} | {Mib(info.TotalBytes)} | {Mib(info.HashedBytes)} |";

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024):N1} MiB";

    private static string LoadAverage()
    {
        try
        {
            string[] parts = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ') : [];
            return parts.Length >= 3 ? $", load average {parts[0]} {parts[1]} {parts[2]}" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private sealed class NullOutput : IEngineOutput
    {
        public static readonly NullOutput Instance = new();

        public void Deliver(OutputBatch batch)
        {
        }
    }
}
