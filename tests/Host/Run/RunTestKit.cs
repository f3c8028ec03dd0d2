using System.Diagnostics;
using System.Globalization;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Testing.Kafka;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Host.Kafka;
using Attribution.Tests.Engine.Pipeline;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// Shared pieces of the host tests: the embedded cluster with the pipeline's topics, the child host's
/// flags for a generated configuration, input produced by kcat, and the verdict — what a
/// read_committed consumer finds in the output and dead-letter topics, compared with the reference model.
/// </summary>
internal static class RunTestKit
{
    public const string Input = "raw-events";
    public const string Output = "attributed-events";
    public const string DeadLetters = "attribution-dead-letter";
    public const string Group = "attribution";

    /// <summary>An embedded cluster (groups form at once) with the three topics.</summary>
    public static EmbeddedKafkaCluster StartCluster(int inputPartitions, int outputPartitions = 3)
    {
        var cluster = KafkaTestClients.StartCluster();
        CreateTopics(cluster, inputPartitions, outputPartitions);
        return cluster;
    }

    /// <summary>
    /// The cluster of the exactly-once, chaos and scale-out suites with the three topics: the embedded broker, or the
    /// real cluster <c>ATTRIBUTION_TEST_BOOTSTRAP</c> names (<see cref="KafkaTestCluster"/>), each test's topics its own there.
    /// </summary>
    public static KafkaTestCluster StartSuiteCluster(int inputPartitions, int outputPartitions = 3, System.Collections.IDictionary? environment = null)
    {
        var cluster = KafkaTestCluster.Start(environment);
        cluster.Embedded?.SetGroupInitialRebalanceDelay(0);
        CreateTopics(cluster, inputPartitions, outputPartitions);
        return cluster;
    }

    private static void CreateTopics(KafkaTestCluster cluster, int inputPartitions, int outputPartitions)
    {
        cluster.CreateTopic(Input, inputPartitions);
        cluster.CreateTopic(Output, outputPartitions, exact: false);
        cluster.CreateTopic(DeadLetters, 2, exact: false);
        // The embedded broker does not answer CreateTopics: the re-keying host's internal topic is made up front.
        cluster.CreateTopic(RekeyedVerdict.Topic, inputPartitions);
    }

    /// <summary>Starts a child host on <paramref name="cluster"/> (the offsets shim only where the cluster keeps no transaction state).</summary>
    public static HostProcess StartHost(KafkaTestCluster cluster, IEnumerable<string> args) => HostProcess.Start(args, cluster.HostEnvironment());

    /// <summary>Flags of <c>attribution run</c> for the cluster and an attribution configuration.</summary>
    public static List<string> HostArgs(KafkaTestCluster cluster, AttributionConfig config, string hostId, params string[] extra)
    {
        var args = new List<string>
        {
            "run",
            "--bootstrap-servers", cluster.BootstrapServers,
            "--host-id", hostId,
            "--window", Ms(config.WindowMs),
            "--allowed-lateness", Ms(config.AllowedLatenessMs),
            "--click-history", config.ClickHistory.ToString(CultureInfo.InvariantCulture),
            "--shards", "2",
            "--commit-interval", "50ms",
            // The embedded broker re-forms a group after the dead member's session timeout − 1 s. A real cluster refuses
            // less than its group.min.session.timeout.ms (6 s by default), and a group's first join waits 3 s there.
            "--kafka", cluster.IsReal ? "session.timeout.ms=6000" : "session.timeout.ms=2000",
            "--kafka", cluster.IsReal ? "heartbeat.interval.ms=1000" : "heartbeat.interval.ms=300",
            "--kafka", "fetch.wait.max.ms=10",
            "--kafka", "reconnect.backoff.max.ms=500",
        };
        if (config.ConversionRetentionMs is { } retention)
        {
            args.AddRange(["--conversion-retention", Ms(retention)]);
        }
        args.AddRange(cluster.HostFlags(["--input-topic", cluster.Name(Input), "--output-topic", cluster.Name(Output), "--dead-letter-topic", cluster.Name(DeadLetters),
            "--group", cluster.Name(Group), "--repartition-topic", cluster.Name(RekeyedVerdict.Topic)]));
        args.AddRange(extra);
        return args;
    }

    private static string Ms(long ms) => ms == 0 ? "0" : ms.ToString(CultureInfo.InvariantCulture) + "ms";

    /// <summary>kcat on PATH (CI installs it); see <see cref="TestPrerequisite"/> for what happens when it is missing.</summary>
    public static string FindKcat() => TestPrerequisite.Kcat();

    /// <summary>A generated stream without physical-expiry markers (they are not records), its Kafka offsets and the reference outcome.</summary>
    public sealed record Scenario(AttributionConfig Config, List<SimEvent> Items, long[] Offsets, RunResult Expected)
    {
        /// <summary>Partitions the input topic needs.</summary>
        public int Partitions => Config.Partitions;
    }

    /// <summary>Generates a stream; each item's Kafka offset is its index within its partition.</summary>
    /// <param name="seed">Seed of the stream (and of where clock outliers go).</param>
    /// <param name="count">Stream length before outliers.</param>
    /// <param name="partitions">Fixed partition count, or null to draw one.</param>
    /// <param name="clockOutliers">Events of a producer whose clock jumps (<see cref="ClockSkewInjector"/>) to insert.</param>
    public static Scenario Generate(int seed, int count, int? partitions = null, int clockOutliers = 0)
    {
        var (config, generated) = StreamGenerator.Generate(seed, count, partitions: partitions);
        var items = ClockSkewInjector.Insert(generated.Where(i => i.Kind != SimKind.Expire).ToList(), seed, clockOutliers);
        var offsets = new long[items.Count];
        var next = new long[config.Partitions];
        for (int i = 0; i < items.Count; i++)
        {
            offsets[i] = next[items[i].Partition]++;
        }
        return new Scenario(config, items, offsets, AttributionRun.Reference(config, items, guarded: true));
    }

    /// <summary>
    /// <paramref name="s"/> with its records moved to other input partitions as <paramref name="spread"/> says
    /// (<paramref name="seed"/> drives <see cref="InputSpread.Random"/>), its offsets and reference outcome recomputed.
    /// Bad records and clock outliers stay in the stream; their dead letters are named by their new input coordinates.
    /// </summary>
    public static Scenario Spread(Scenario s, InputSpread spread, int seed)
    {
        int p = s.Partitions;
        var rng = new Random(seed);
        var turn = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = new List<SimEvent>(s.Items.Count);
        for (int i = 0; i < s.Items.Count; i++)
        {
            var item = s.Items[i];
            int partition = spread switch
            {
                InputSpread.AsGenerated => item.Partition,
                InputSpread.RoundRobin => i % p,
                InputSpread.Random => rng.Next(p),
                // A user starts where its first record's index says and moves one partition on with each further record.
                _ => (turn[item.UserId] = turn.TryGetValue(item.UserId, out int t) ? t + 1 : i) % p,
            };
            items.Add(item with { Partition = partition });
        }
        var offsets = new long[items.Count];
        var next = new long[p];
        for (int i = 0; i < items.Count; i++)
        {
            offsets[i] = next[items[i].Partition]++;
        }
        return new Scenario(s.Config, items, offsets, AttributionRun.Reference(s.Config, items, guarded: true));
    }

    /// <summary>
    /// Produces items [from, to) with kcat, one invocation per partition (an explicit partition, as a custom
    /// partitioner), with the Kafka key <paramref name="keys"/> says (by default the user_id).
    /// </summary>
    public static void ProduceWithKcat(string kcat, KafkaTestCluster cluster, Scenario s, int from, int to, InputKey keys = InputKey.UserId)
    {
        foreach (var group in s.Items.Select((item, i) => (item, i)).Skip(from).Take(to - from).GroupBy(x => x.item.Partition))
        {
            var lines = new StringBuilder();
            foreach (var (item, i) in group)
            {
                string value = item.Kind == SimKind.Malformed ? item.RawLine! : Encoding.UTF8.GetString(CodecSimEventDecoders.Render(item));
                string key = keys switch
                {
                    InputKey.UserId => item.Kind == SimKind.Malformed ? "bad" : item.UserId,
                    // 37 sessions shared by all users, a user's records spread over them: never the user id.
                    InputKey.SessionId => "session-" + ((i * 7_919) % 37).ToString(CultureInfo.InvariantCulture),
                    _ => "",
                };
                lines.Append(key).Append('\t').Append(value).Append('\n');
            }
            List<string> args = [.. cluster.KcatProperties(), "-b", cluster.BootstrapServers, "-t", cluster.Name(Input), "-P", "-p", group.Key.ToString(CultureInfo.InvariantCulture),
                "-K", "\t", "-X", "enable.idempotence=true", "-X", "linger.ms=5"];
            if (keys == InputKey.Null)
            {
                // kcat sends an empty key (before the delimiter) as a zero-length key; -Z makes it NULL. No value is empty.
                args.Add("-Z");
            }
            var (exit, stderr) = RunKcat(kcat, [.. args], lines.ToString());
            Assert.That(exit, Is.Zero, $"kcat -P failed: {stderr}");
        }
    }

    /// <summary>Checks that the input topic's records carry the keys <paramref name="keys"/> says (what kcat really sent).</summary>
    public static void AssertInputKeys(KafkaTestCluster cluster, InputKey keys)
    {
        var config = KafkaTestClients.Consumer(cluster, KafkaTestClients.Unique("keys"));
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[], Ignore>(config).Build();
        consumer.Assign(new TopicPartitionOffset(cluster.Name(Input), 0, Offset.Beginning));
        int read = 0;
        var clock = Stopwatch.StartNew();
        while (read < 50 && clock.Elapsed < KafkaTestClients.Patience)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r is null)
            {
                continue;
            }
            if (r.IsPartitionEOF)
            {
                break;
            }
            read++;
            byte[]? key = r.Message.Key;
            string text = key is null ? "null" : $"'{Encoding.UTF8.GetString(key)}'";
            bool right = keys switch
            {
                InputKey.Null => key is null,
                InputKey.Empty => key is { Length: 0 },
                InputKey.SessionId => key is not null && Encoding.UTF8.GetString(key).StartsWith("session-", StringComparison.Ordinal),
                _ => key is { Length: > 0 },
            };
            Assert.That(right, Is.True, $"input record 0/{r.Offset.Value} has the key {text}, not a {keys} key");
        }
        Assert.That(read, Is.Positive, "the input topic's partition 0 has records");
        consumer.Close();
    }

    /// <summary>Runs kcat with <paramref name="args"/>, <paramref name="stdin"/> on its standard input; its exit code and standard error.</summary>
    public static (int Exit, string Stderr) RunKcat(string kcat, string[] args, string stdin)
    {
        var start = new ProcessStartInfo(kcat) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(KafkaTestClients.Patience))
        {
            process.Kill();
            Assert.Fail("kcat did not finish in time");
        }
        return (process.ExitCode, stderr.Result);
    }

    /// <summary>One record read back: where its conversion came from and what it says.</summary>
    public sealed record ReadBack(int SourcePartition, long SourceOffset, string Key, string Value, string? Reason);

    /// <summary>
    /// Reads the output topic from the start with read_committed: each attribution with the input coordinates of its
    /// conversion, from its 12-byte <c>src</c> header (partition int32, offset int64, big-endian; docs/SEMANTICS.md).
    /// </summary>
    public static List<ReadBack> ReadOutputs(KafkaTestCluster cluster) =>
        TopicReadBack.ReadAll<string, string, ReadBack>(cluster, cluster.Name(Output), r =>
        {
            var (partition, offset) = Coordinates(r.Message.Headers, "src", Output);
            return new ReadBack(partition, offset, r.Message.Key, r.Message.Value ?? "", null);
        });

    /// <summary>The input coordinates in a record's 12-byte binary header <paramref name="name"/>; fails the test when it has none.</summary>
    public static (int Partition, long Offset) Coordinates(Headers? headers, string name, string topic)
    {
        byte[]? b = null;
        Assert.That(headers is not null && headers.TryGetLastBytes(name, out b) && b.Length == 12, Is.True, $"a record in {topic} lacks a 12-byte {name} header");
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b), System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(b.AsSpan(4)));
    }

    /// <summary>Reads a whole topic from the start with read_committed, headers included.</summary>
    public static List<ReadBack> ReadTopic(KafkaTestCluster cluster, string topic, string partitionHeader, string offsetHeader) =>
        TopicReadBack.ReadAll<string, string, ReadBack>(cluster, topic, r =>
        {
            var h = r.Message.Headers;
            byte[]? pb = null, ob = null;
            Assert.That(h is not null && h.TryGetLastBytes(partitionHeader, out pb) && h.TryGetLastBytes(offsetHeader, out ob), Is.True,
                $"a record in {topic} lacks the {partitionHeader}/{offsetHeader} headers");
            string? reason = h!.TryGetLastBytes("reason", out var rb) ? Encoding.ASCII.GetString(rb) : null;
            return new ReadBack(int.Parse(Encoding.ASCII.GetString(pb!), CultureInfo.InvariantCulture),
                long.Parse(Encoding.ASCII.GetString(ob!), CultureInfo.InvariantCulture), r.Message.Key, r.Message.Value ?? "", reason);
        });

    /// <summary>
    /// The verdict: the outputs a read_committed consumer sees are exactly the reference's — each
    /// attributed conversion once, at its input offset, with the reference's content — and every bad
    /// input record (and clock outlier) is in the dead-letter topic exactly once, with the reference's reason.
    /// Returns null when so, else the first difference.
    /// </summary>
    /// <remarks>When a host re-keyed the input (the default <c>--input-keying rekey</c>), <see cref="RekeyedVerdict"/> judges instead.</remarks>
    public static string? Verdict(KafkaTestCluster cluster, Scenario s)
    {
        if (RekeyedVerdict.InUse(cluster))
        {
            return RekeyedVerdict.Verdict(cluster, s);
        }
        var expected = new Dictionary<(int, long), AttributedOutput>();
        int o = 0;
        for (int i = 0; i < s.Items.Count; i++)
        {
            if (s.Expected.Steps[i] == nameof(AttributionOutcome.Attributed))
            {
                expected[(s.Items[i].Partition, s.Offsets[i])] = s.Expected.Outputs[o++];
            }
        }
        Dictionary<(int, long), string> expectedReasons = ExpectedDeadLetters(s);
        var expectedBad = expectedReasons.Keys.ToHashSet();
        Assert.That(o, Is.EqualTo(s.Expected.Outputs.Count), "every reference output belongs to one attributed step");

        var outputs = ReadOutputs(cluster);
        var seen = new HashSet<(int, long)>();
        foreach (var r in outputs)
        {
            var at = (r.SourcePartition, r.SourceOffset);
            if (!seen.Add(at))
            {
                return $"duplicate: the attribution of input {r.SourcePartition}/{r.SourceOffset} is in {Output} twice";
            }
            if (!expected.TryGetValue(at, out var want))
            {
                return $"unexpected: {Output} has an attribution for input {r.SourcePartition}/{r.SourceOffset}, the reference has none ({r.Value})";
            }
            var got = CollectingOutput.Parse(r.SourcePartition, r.Value);
            if (got != want)
            {
                return $"different: input {r.SourcePartition}/{r.SourceOffset}: expected {want}, got {got}";
            }
            if (r.Key != want.UserId)
            {
                return $"wrong key: input {r.SourcePartition}/{r.SourceOffset} keyed '{r.Key}', expected the user_id '{want.UserId}'";
            }
        }
        var missing = expected.Keys.Where(k => !seen.Contains(k)).OrderBy(k => k).ToList();
        if (missing.Count > 0)
        {
            return $"lost: {missing.Count} attribution(s) missing, first for input {missing[0].Item1}/{missing[0].Item2}";
        }

        var letters = ReadTopic(cluster, cluster.Name(DeadLetters), "source-partition", "source-offset");
        var seenBad = new HashSet<(int, long)>();
        foreach (var d in letters)
        {
            if (!seenBad.Add((d.SourcePartition, d.SourceOffset)))
            {
                return $"duplicate dead letter for input {d.SourcePartition}/{d.SourceOffset}";
            }
            if (d.Reason is null)
            {
                return $"the dead letter of input {d.SourcePartition}/{d.SourceOffset} has no reason header";
            }
            if (expectedReasons.TryGetValue((d.SourcePartition, d.SourceOffset), out string? reason) && reason != d.Reason)
            {
                return $"the dead letter of input {d.SourcePartition}/{d.SourceOffset} says {d.Reason}, the reference {reason}";
            }
        }
        if (!seenBad.SetEquals(expectedBad))
        {
            return $"dead letters differ: expected {expectedBad.Count} for the bad records, found {seenBad.Count} " +
                $"(missing {string.Join(",", expectedBad.Except(seenBad).Take(3))}; extra {string.Join(",", seenBad.Except(expectedBad).Take(3))})";
        }
        TestContext.Out.WriteLine($"verdict: {outputs.Count} attributions and {letters.Count} dead letters, each exactly once, equal to the reference");
        return null;
    }

    /// <summary>Every record the reference rejects (bad input, clock outliers), by (partition, offset), with its reason's name.</summary>
    public static Dictionary<(int, long), string> ExpectedDeadLetters(Scenario s)
    {
        const string mark = "rejected:";
        var letters = new Dictionary<(int, long), string>();
        for (int i = 0; i < s.Items.Count; i++)
        {
            if (s.Expected.Steps[i].StartsWith(mark, StringComparison.Ordinal))
            {
                letters[(s.Items[i].Partition, s.Offsets[i])] = s.Expected.Steps[i][mark.Length..];
            }
        }
        return letters;
    }

    /// <summary>The group's committed offsets of the input partitions (Unset = none).</summary>
    public static long[] Committed(KafkaTestCluster cluster, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClients.Consumer(cluster, cluster.Name(Group))).Build();
        var offsets = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(cluster.Name(Input), p)), KafkaTestClients.Patience);
        return offsets.OrderBy(o => o.Partition.Value).Select(o => o.Offset.Value).ToArray();
    }

    /// <summary>Waits until the group committed at least <paramref name="ends"/> on every input partition (and, when re-keying, every copy's work); false on timeout.</summary>
    public static bool WaitForCommitted(KafkaTestCluster cluster, long[] ends, TimeSpan timeout, HostProcess? host = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var c = Committed(cluster, ends.Length);
            // With re-keying, the input commits with its copies; the copies' own work commits after them.
            if (c.Zip(ends).All(x => x.Second == 0 || x.First >= x.Second) && (!RekeyedVerdict.InUse(cluster) || RekeyedVerdict.Drained(cluster)))
            {
                return true;
            }
            if (host is { HasExited: true })
            {
                return false;
            }
            Thread.Sleep(200);
        }
        return false;
    }

    /// <summary>A loopback TCP port free right now, below the kernel's ephemeral range (see <see cref="FreePorts"/>).</summary>
    public static int FreePort() => FreePorts(1);

    /// <summary>
    /// A port P with P .. P + <paramref name="count"/> - 1 free right now, chosen below the kernel's ephemeral range: a
    /// port the kernel hands out for a bind to port 0 can be given meanwhile to any outgoing connection as its local port
    /// before the process under test binds it (CI once met "Address already in use" that way). Below the range only an
    /// explicit bind can take it.
    /// </summary>
    public static int FreePorts(int count)
    {
        int low = 32768; // Linux's default start of net.ipv4.ip_local_port_range
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range)
            && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out int configured))
        {
            low = configured;
        }
        int from = Math.Max(1024, low - 10_000);
        for (int attempt = 0; attempt < 500; attempt++)
        {
            int p = Random.Shared.Next(from, low - count);
            if (Enumerable.Range(p, count).All(CanBind))
            {
                return p;
            }
        }
        throw new InvalidOperationException($"no {count} adjacent free ports in {from}..{low - 1}");
    }

    private static bool CanBind(int port)
    {
        try
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary>Input records per partition of items [0, to).</summary>
    public static long[] Ends(Scenario s, int to)
    {
        var ends = new long[s.Partitions];
        for (int i = 0; i < to; i++)
        {
            ends[s.Items[i].Partition] = s.Offsets[i] + 1;
        }
        return ends;
    }
}
