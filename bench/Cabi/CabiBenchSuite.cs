using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Attribution.Bench.Engine;
using Attribution.Bench.Reporting;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;

namespace Attribution.Bench.Cabi;

/// <summary>
/// `dotnet run -c Release --project bench -- cabi [options]`: the real NativeAOT library
/// (libattribution.so, published on demand) driven from C by bindings/c/bench_attribution.c (built
/// with gcc), against the same engine driven from C# in this process over the same events, and the
/// decode-only limit; the ratio C / C# is what the C ABI costs.
/// </summary>
public sealed partial class CabiBenchSuite : IBenchSuite
{
    private const double TargetPerSecond = 1_000_000;

    /// <inheritdoc />
    public string Name => "cabi";

    /// <inheritdoc />
    public string Description => "C ABI: libattribution.so (NativeAOT) from C, batches and single calls, vs the same engine in-process from C#";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => [EventsFlag, BatchFlag, RepeatFlag];

    private static readonly Option<long?> EventsFlag = BenchFlags.Whole("--events", "events (default 1000000, --long 4000000)", new(2, long.MaxValue));
    private static readonly Option<long?> BatchFlag = BenchFlags.Whole("--batch", "NDJSON lines per attr_submit_batch (default 1000)", new(1, 1_000_000));
    private static readonly Option<long?> RepeatFlag = BenchFlags.Whole("--repeat", "alternating runs per contender, best kept (default 2)", new(1, 100));

    /// <inheritdoc />
    public int Run(ParseResult flags)
    {
        long events = flags.GetValue(EventsFlag) ?? (BenchReport.Long ? 4_000_000 : 1_000_000);
        int batch = (int)(flags.GetValue(BatchFlag) ?? 1000);
        int repeat = (int)(flags.GetValue(RepeatFlag) ?? 2);
        events -= events % 2;
        string root = RepositoryRoot();
        string library = Path.Combine(root, "bindings", "native", "bin", "Release", "net10.0", "linux-x64", "publish", "libattribution.so");
        if (!EnsureLibrary(root, library) || BuildCBench(root, library) is not { } program)
        {
            return 1;
        }

        Console.WriteLine("## C ABI: libattribution.so from C vs the same engine from C#");
        Console.WriteLine();
        Console.WriteLine($"Library: `{Path.GetRelativePath(root, library)}` (NativeAOT, `dotnet publish bindings/native -c Release -r linux-x64`), " +
                          $"C driver: `bindings/c/bench_attribution.c` built with `gcc -O2`. Events: the C driver's workload, pairs of click + conversion " +
                          "(every conversion attributed), 100,000 users, ~150 B lines; the C# peer renders the same lines and submits them one by one from one thread " +
                          "(EngineRunner, as in the engine suite), same ring size (65,536) and wait strategy (yielding).");
        Console.WriteLine();

        LineStore lines = Lines(events);
        ParseLimits.Decode(lines, (int)Math.Min(events, 200_000), new AttributionConfig().MaxRecordBytes, out _);
        double decode = ParseLimits.Decode(lines, (int)events, new AttributionConfig().MaxRecordBytes, out _);

        var rows = new List<(string Name, int Shards, double PerSecond, string Notes)>();
        rows.Add(("limit: JsonEventReader decode only, C#", 0, events / decode, "the producer thread's share of the work"));
        var inProcess = new Dictionary<int, double>();
        foreach (int shards in new[] { 1, 2 })
        {
            // Contenders alternate, `repeat` times each, best kept: on a shared machine a burst of other work then hits both.
            double csharp = 0, batched = 0, single = 0;
            string? firstOutput = null;
            long attributions = 0;
            var options = new EngineOptions { Shards = shards, RingSize = 65536, Wait = WaitKind.Yielding };
            EngineRunner.Saturated(options, lines, (int)(events / 5));
            for (int r = 0; r < repeat; r++)
            {
                BenchProgress.Step($"C# in-process, {shards} shard(s), run {r + 1}/{repeat}");
                EngineRunResult run = EngineRunner.Saturated(options, lines, (int)events);
                csharp = Math.Max(csharp, run.PerSecond);
                attributions = run.Output.Count;
                BenchProgress.Step($"C through libattribution.so, {shards} shard(s), run {r + 1}/{repeat}");
                string output = RunProcess(program, $"{events} {shards} yielding {batch}");
                Console.Error.Write(output);
                firstOutput ??= output;
                batched = Math.Max(batched, Number(output, BatchRate()));
                single = Math.Max(single, Number(output, SingleRate()));
            }
            inProcess[shards] = csharp;
            rows.Add(($"engine from C# in-process (one Submit per line)", shards, csharp, $"{attributions:N0} attributions"));
            rows.Add(($"C, batches of {batch} NDJSON lines (attr_submit_batch + attr_poll)", shards, batched,
                $"{Number(firstOutput!, BatchCpu()):N0} ns CPU/event on the calling thread (first run)"));
            rows.Add(("C, one attr_submit per event", shards, single, $"{Number(firstOutput!, SingleCpu()):N0} ns CPU/event on the calling thread (first run)"));
            if (shards == 1)
            {
                Console.WriteLine($"Boundary costs (1 shard, first run): attr_version round trip {Number(firstOutput!, VersionCall()):F1} ns, attr_poll on an empty queue {Number(firstOutput!, PollCall()):F1} ns.");
                Console.WriteLine();
            }
        }
        Console.WriteLine($"Each contender ran {repeat} times, alternating with its peer; the table keeps each one's best run.");
        Console.WriteLine();

        Console.WriteLine("| contender | shards | events/s | vs C# in-process (same shards) | notes |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        foreach ((string name, int shards, double perSecond, string notes) in rows)
        {
            string ratio = shards == 0 ? "—" : $"{perSecond / inProcess[shards]:F2}×";
            Console.WriteLine($"| {name} | {(shards == 0 ? "—" : shards)} | {perSecond:N0} | {ratio} | {notes} |");
        }
        Console.WriteLine();
        double best = rows.Where(r => r.Name.StartsWith("C,", StringComparison.Ordinal)).Max(r => r.PerSecond);
        Console.WriteLine($"Target ≥ {TargetPerSecond:N0} events/s from C: {(best >= TargetPerSecond ? "**met**" : "**missed**")} (best {best:N0}). " +
                          "No latency percentiles here: the C driver measures throughput and call costs only.");
        Console.WriteLine();
        return 0;
    }

    /// <summary>The C driver's events (bench_attribution.c, event_line), rendered in C#.</summary>
    private static LineStore Lines(long events)
    {
        var store = new LineStore((int)events);
        var sb = new StringBuilder(256);
        for (long i = 0; i < events; i++)
        {
            long pair = i / 2, user = pair % 100000;
            long ts = 1678886400000L + (i * 10);
            sb.Clear();
            if (i % 2 == 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{{\"event_type\":\"click\",\"event_id\":\"c-{pair}\",\"user_id\":\"user-{user}\",\"campaign_id\":\"camp-{user % 7}\",\"ad_id\":\"ad-{pair % 1000}\",\"source\":\"facebook\",\"timestamp\":{ts}}}");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"{{\"event_type\":\"conversion\",\"event_id\":\"v-{pair}\",\"user_id\":\"user-{user}\",\"campaign_id\":\"camp-{user % 7}\",\"type\":\"purchase\",\"value\":19.99,\"source\":\"ios_app\",\"timestamp\":{ts}}}");
            }
            store.Add(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        return store;
    }

    private static bool EnsureLibrary(string root, string library)
    {
        DateTime newest = new[] { "engine", Path.Combine("bindings", "native") }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs*", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Max(File.GetLastWriteTimeUtc);
        if (File.Exists(library) && File.GetLastWriteTimeUtc(library) >= newest)
        {
            return true;
        }
        BenchProgress.Step("publishing libattribution.so (NativeAOT, about a minute or more)");
        try
        {
            RunProcess("dotnet", "publish bindings/native -c Release -r linux-x64 -nologo -v q", root);
            return File.Exists(library);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"cabi: publishing the library failed: {e.Message}");
            return false;
        }
    }

    private static string? BuildCBench(string root, string library)
    {
        string dir = Path.Combine(root, "bench", "obj", "cabi");
        Directory.CreateDirectory(dir);
        string program = Path.Combine(dir, "bench_attribution");
        string libdir = Path.GetDirectoryName(library)!;
        string c = Path.Combine(root, "bindings", "c");
        try
        {
            RunProcess("gcc", $"-std=c11 -O2 -Wall -Wextra -Werror -I {c} -o {program} {Path.Combine(c, "bench_attribution.c")} -L {libdir} -lattribution -Wl,-rpath,{libdir} -lpthread");
            return program;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"cabi: building the C driver failed: {e.Message}");
            return null;
        }
    }

    private static string RunProcess(string file, string arguments, string? directory = null)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? Environment.CurrentDirectory };
        using Process p = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        Task<string> error = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {arguments} exited with {p.ExitCode}: {error.Result}{output}");
    }

    private static double Number(string output, Regex pattern)
        => pattern.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"The C driver's output has no line matching {pattern}: {output}");

    [GeneratedRegex(@"batch:\s+([0-9.]+) events/s")]
    private static partial Regex BatchRate();

    [GeneratedRegex(@"single:\s+([0-9.]+) events/s")]
    private static partial Regex SingleRate();

    [GeneratedRegex(@"batch:\s+([0-9.]+) ns CPU per event on the calling thread")]
    private static partial Regex BatchCpu();

    [GeneratedRegex(@"single:\s+([0-9.]+) ns CPU per event on the calling thread")]
    private static partial Regex SingleCpu();

    [GeneratedRegex(@"([0-9.]+) ns per attr_version call")]
    private static partial Regex VersionCall();

    [GeneratedRegex(@"([0-9.]+) ns per attr_poll call")]
    private static partial Regex PollCall();

    private static string RepositoryRoot()
    {
        for (string? dir = Environment.CurrentDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "Attribution.Engine.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("Run the cabi suite inside the repository (it builds bindings/native and bindings/c).");
    }
}
