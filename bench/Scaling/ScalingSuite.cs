using System.CommandLine;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Attribution.Host.Demo;
using Attribution.Testing.Kafka;
using Confluent.Kafka;

namespace Attribution.Bench.Scaling;

/// <summary>
/// Scale-out on one machine: 1, 2 and 3 <c>attribution run</c> processes in one consumer group drain the
/// same pre-produced input from the embedded broker (throughput from the group's committed offsets over
/// time), then partitions are moved between hosts at three state sizes and each move's rebuild time is
/// read from the hosts' <c>recovery … rebuilt records=R ms=T</c> log lines.
/// </summary>
public sealed partial class ScalingSuite : IBenchSuite
{
    /// <inheritdoc/>
    public string Name => "scaling";

    /// <inheritdoc/>
    public string Description => "1, 2, 3 host processes in one group: throughput, and partition move (rebuild) time vs state size";

    /// <inheritdoc/>
    public IReadOnlyList<Option> Flags => [EventsFlag, PartitionsFlag, HostsFlag];

    private static readonly Option<long?> EventsFlag = BenchFlags.Whole("--events", "events (default 120000)", new(1, int.MaxValue));
    private static readonly Option<long?> PartitionsFlag = BenchFlags.Whole("--partitions", "partitions of the topics (default 6)", new(1, 256));
    private static readonly Option<long?> HostsFlag = BenchFlags.Whole("--hosts", "most host processes (default 3)", new(1, 16));

    /// <inheritdoc/>
    public int Run(ParseResult flags)
    {
        int events = (int)(flags.GetValue(EventsFlag) ?? 120_000);
        int partitions = (int)(flags.GetValue(PartitionsFlag) ?? 6);
        int maxHosts = (int)(flags.GetValue(HostsFlag) ?? 3);
        string dll = Path.Combine(AppContext.BaseDirectory, "attribution.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"scaling: the host binary {dll} is missing; build the bench project first.");
            return 2;
        }

        using var cluster = new EmbeddedKafkaCluster(1);
        cluster.SetGroupInitialRebalanceDelay(0);
        Console.WriteLine($"# scaling: {events:N0} events in {partitions} partitions, {Environment.ProcessorCount} cores, load {Load()}");
        Console.WriteLine();
        Console.WriteLine("| hosts | time to drain, start included (s) | events/s (10%–90% of the input) | per host |");
        Console.WriteLine("|---:|---:|---:|---:|");
        var rates = new List<double>();
        for (int k = 1; k <= maxHosts; k++)
        {
            string group = $"scale-{k}";
            cluster.CreateTopic($"in-{k}", partitions);
            cluster.CreateTopic($"out-{k}", partitions);
            cluster.CreateTopic($"dl-{k}", 1);
            // The input is in Kafka before any host starts, so the producer does not bound the rate; the group
            // waits 5 s for members before its first assignment, so all k hosts share the partitions from the start.
            long[] ends = Produce(cluster, $"in-{k}", events, partitions, seed: 7);
            cluster.SetGroupInitialRebalanceDelay(5000);
            var hosts = Enumerable.Range(0, k).Select(h => Host.Start(dll, cluster, group, $"h{h}", $"out-{k}", $"dl-{k}", $"in-{k}")).ToList();
            var (seconds, rate) = Drain(cluster, group, ends, hosts);
            cluster.SetGroupInitialRebalanceDelay(0);
            bool shared = hosts.All(h => h.Assigned > 0);
            hosts.ForEach(h => h.Stop());
            rates.Add(rate);
            Console.WriteLine($"| {k} | {seconds:F1} | {rate:N0} | {rate / k:N0}{(shared ? "" : " (not every host got a partition)")} |");
        }

        Console.WriteLine();
        Console.WriteLine("Partition moves: host m1 owns everything; m2 joins (takes partitions, rebuilds them), then leaves (m1 rebuilds them again).");
        Console.WriteLine("Re-read: the gaining host re-reads the partition's input (committed offset − lookback). Shared: it loads the state file the previous owner wrote to --shared-state-dir when it gave the partition up, then replays what came after.");
        Console.WriteLine();
        Console.WriteLine("| state moved by | input so far | state per partition (entries, KiB; median) | records re-read per partition (median) | assignment → rebuilt, ms per partition (median) | max ms |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (bool shared in new[] { false, true })
        {
            string mode = shared ? "shared" : "reread";
            string? sharedDir = shared ? Directory.CreateTempSubdirectory("attr-bench-shared-").FullName : null;
            string[] extra = sharedDir is null ? [] : ["--shared-state-dir", sharedDir, "--snapshot-interval", "10m"];
            cluster.CreateTopic($"move-in-{mode}", partitions);
            cluster.CreateTopic($"move-out-{mode}", partitions);
            cluster.CreateTopic($"move-dl-{mode}", 1);
            var m1 = Host.Start(dll, cluster, $"move-{mode}", "m1", $"move-out-{mode}", $"move-dl-{mode}", $"move-in-{mode}", extra);
            long[] moveEnds = new long[partitions];
            foreach (int size in new[] { events / 4, events / 2, events })
            {
                long[] added = Produce(cluster, $"move-in-{mode}", size - (int)moveEnds.Sum(), partitions, seed: size);
                for (int p = 0; p < partitions; p++)
                {
                    moveEnds[p] += added[p];
                }
                Drain(cluster, $"move-{mode}", moveEnds, [m1]);
                int seen = m1.Moves.Count;
                var m2 = Host.Start(dll, cluster, $"move-{mode}", "m2", $"move-out-{mode}", $"move-dl-{mode}", $"move-in-{mode}", extra);
                WaitFor(() => m2.Moves.Count > 0 && m2.Moves.Count == m2.Assigned, TimeSpan.FromSeconds(120));
                m2.Stop();
                WaitFor(() => m1.Moves.Count > seen && m1.Moves.Count - seen >= m2.Assigned, TimeSpan.FromSeconds(120));
                var moves = m2.Moves.Concat(m1.Moves.Skip(seen)).ToList();
                var exports = m1.Exports.Concat(m2.Exports).Where(e => e.Entries > 0).ToList();
                if (moves.Count == 0)
                {
                    Console.WriteLine($"| {mode} | {size:N0} | | (no partition moved) | | |");
                    continue;
                }
                double Median(IEnumerable<double> xs) { var a = xs.Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
                string state = exports.Count == 0 ? "—" : $"{Median(exports.Select(e => (double)e.Entries)):N0}, {Median(exports.Select(e => e.Bytes / 1024.0)):N0}";
                Console.WriteLine($"| {mode} | {size:N0} | {state} | {Median(moves.Select(m => (double)m.Records)):N0} | {Median(moves.Select(m => m.Ms)):N0} | {moves.Max(m => m.Ms):N0} |");
            }
            m1.Stop();
            if (sharedDir is not null)
            {
                Directory.Delete(sharedDir, recursive: true);
            }
        }
        Console.WriteLine();
        Console.WriteLine($"Command: dotnet run -c Release --project bench -- scaling --events {events} --partitions {partitions} --hosts {maxHosts}; hosts run with --shards 1; load average at the end {Load()}.");
        return 0;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static void WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            Thread.Sleep(100);
        }
    }

    private static long[] Produce(EmbeddedKafkaCluster cluster, string topic, int count, int partitions, int seed)
    {
        var ends = new long[partitions];
        var generator = new TrafficGenerator(seed);
        using var producer = new ProducerBuilder<string, byte[]?>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            LingerMs = 5,
            EnableIdempotence = true,
            BatchSize = 512 * 1024,
            // Keyed by user id on murmur2's partition, as the hosts' --input-keying trust expects (see Host.Start).
            Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
        }).Build();
        long clock = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - count / 10;
        for (int i = 0; i < count; i++)
        {
            var (key, value) = generator.Next(clock + i / 10);
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<string, byte[]?> { Key = key, Value = value }, r =>
                    {
                        if (r.Error.IsError)
                        {
                            throw new InvalidOperationException($"produce failed: {r.Error.Reason}");
                        }
                        Interlocked.Increment(ref ends[r.Partition.Value]);
                    });
                    break;
                }
                catch (ProduceException<string, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(2));
        return ends;
    }

    /// <summary>Waits until the group committed <paramref name="ends"/>; the rate is measured between 10% and 90% of the input.</summary>
    private static (double Seconds, double Rate) Drain(EmbeddedKafkaCluster cluster, string group, long[] ends, IReadOnlyList<Host> hosts)
    {
        string topic = hosts[0].Input;
        long total = ends.Sum();
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = group, EnableAutoCommit = false }).Build();
        var tps = Enumerable.Range(0, ends.Length).Select(p => new TopicPartition(topic, p)).ToList();
        var clock = Stopwatch.StartNew();
        double t10 = -1, t90 = -1;
        long c10 = 0, c90 = 0;
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            long done = reader.Committed(tps, TimeSpan.FromSeconds(10)).Sum(o => Math.Max(0, o.Offset.Value));
            double t = clock.Elapsed.TotalSeconds;
            if (t10 < 0 && done >= total / 10) { (t10, c10) = (t, done); }
            if (t90 < 0 && done >= total * 9 / 10) { (t90, c90) = (t, done); }
            if (done >= total)
            {
                double rate = t90 > t10 && c90 > c10 ? (c90 - c10) / (t90 - t10) : total / t;
                return (t, rate);
            }
            if (hosts.Any(h => h.Exited))
            {
                throw new InvalidOperationException("a host exited during the run:\n" + string.Join("\n", hosts.Select(h => h.Log)));
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException("the hosts did not drain the input within 5 minutes:\n" + string.Join("\n", hosts.Select(h => h.Log)));
    }

    [GeneratedRegex(@"recovery partition=(\d+) rebuilt records=(\d+) ms=(\d+)")]
    private static partial Regex RebuiltLine();

    [GeneratedRegex(@"rebalance assigned partitions=([\d,]*)")]
    private static partial Regex AssignedLine();

    private sealed record Move(int Partition, long Records, double Ms);

    private sealed record Export(int Partition, long Entries, long Bytes);

    [GeneratedRegex(@"shared_state exported partition=(\d+) position=-?\d+ entries=(\d+) bytes=(\d+)")]
    private static partial Regex ExportLine();

    /// <summary>One host process and what its log says.</summary>
    private sealed class Host
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _log = new();

        private Host(Process process, string input)
        {
            _process = process;
            Input = input;
            _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            _process.OutputDataReceived += (_, e) => OnLine(e.Data);
            _process.BeginErrorReadLine();
            _process.BeginOutputReadLine();
        }

        public string Input { get; }

        public ConcurrentQueue<Move> MovesQueue { get; } = new();

        public List<Move> Moves => MovesQueue.ToList();

        public ConcurrentQueue<Export> ExportsQueue { get; } = new();

        public List<Export> Exports => ExportsQueue.ToList();

        private int _assigned;

        /// <summary>Partitions assigned to the host so far (summed over its rebalances).</summary>
        public int Assigned => Volatile.Read(ref _assigned);

        public bool Exited => _process.HasExited;

        public string Log => string.Join("\n", _log.TakeLast(40));

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            _log.Enqueue(line);
            if (RebuiltLine().Match(line) is { Success: true } m)
            {
                MovesQueue.Enqueue(new Move(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
            else if (ExportLine().Match(line) is { Success: true } x)
            {
                ExportsQueue.Enqueue(new Export(int.Parse(x.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(x.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(x.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
            else if (AssignedLine().Match(line) is { Success: true } a)
            {
                Interlocked.Add(ref _assigned, a.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Length);
            }
        }

        public static Host Start(string dll, EmbeddedKafkaCluster cluster, string group, string id, string output, string deadLetters, string input, params string[] extra)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[]
            {
                dll, "run", "--bootstrap-servers", cluster.BootstrapServers, "--group", group, "--host-id", id,
                "--input-topic", input, "--output-topic", output, "--dead-letter-topic", deadLetters, "--shards", "1", "--commit-interval", "100ms",
                "--kafka", "session.timeout.ms=6000", "--kafka", "heartbeat.interval.ms=500",
                // What this suite measures is scale-out and partition moves of the direct path: the input is keyed by
                // user id (murmur2), so no repartition hop (the default, rekey, needs its topic created first).
                "--input-keying", "trust",
            }.Concat(extra))
            {
                start.ArgumentList.Add(a);
            }
            start.Environment[TestBrokerSwitch.Variable] = "1"; // the embedded broker drops transactional offsets: store them with a plain commit too
            return new Host(Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started"), input);
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
                kill?.WaitForExit();
            }
            if (!_process.WaitForExit(60_000))
            {
                _process.Kill();
            }
            _process.WaitForExit();
        }
    }
}
