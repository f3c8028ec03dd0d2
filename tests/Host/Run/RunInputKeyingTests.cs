using System.Globalization;
using System.Text.RegularExpressions;
using Attribution.Engine.Attribution;
using Attribution.Host.Kafka;
using Attribution.Tests.Engine.Attribution;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// <c>--input-keying trust</c> and <c>reject</c> (docs/SCALING.md): the input partition is the state partition; a
/// record whose partition is not its user's under murmur2 is counted and named in a log line in both modes,
/// processed where it is with <c>trust</c> and dead-lettered as <c>mis_keyed</c> with <c>reject</c>; nothing goes
/// through the repartition topic. (The default, <c>rekey</c>, is judged by every other host test.)
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public partial class RunInputKeyingTests
{
    private static readonly TimeSpan Catchup = TimeSpan.FromSeconds(60);

    [Test]
    public void Trust_processes_each_record_in_its_input_partition_and_reports_the_mis_keyed_ones()
    {
        var kcat = FindKcat();
        // The stream generator places users by its own hash, so most records are mis-keyed under murmur2.
        var s = Generate(TestSeed.Get(), 3_000, partitions: 4);
        using var cluster = StartCluster(s.Partitions);
        ProduceWithKcat(kcat, cluster, s, 0, s.Items.Count);
        using var host = HostProcess.Start(HostArgs(cluster, s.Config, "trust", "--input-keying", "trust"));

        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), Catchup, host), Is.True, () => host.StderrText);
        var expected = MisKeyedPerPartition(s);
        Assert.That(expected.Values.Sum(), Is.GreaterThan(s.Items.Count / 4), "the input is mostly mis-keyed");
        Assert.That(WaitForReported(host, expected), Is.True, () => $"expected per partition {Describe(expected)}; stderr:\n{host.StderrText}");
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);
        Assert.That(RekeyedVerdict.InUse(cluster), Is.False, "trust never writes the repartition topic");
        Assert.That(Verdict(cluster, s), Is.Null, "outputs per input partition, as the reference partitions them");
    }

    [Test]
    public void Reject_dead_letters_the_mis_keyed_records_and_attributes_the_rest()
    {
        var kcat = FindKcat();
        int seed = TestSeed.Get();
        var generated = Generate(seed, 3_000, partitions: 4);
        // Keyed by user id (murmur2), except every seventh valid record, which goes to the next partition.
        int partitions = generated.Partitions;
        var items = new List<SimEvent>();
        var misKeyed = new List<bool>();
        for (int i = 0; i < generated.Items.Count; i++)
        {
            var item = generated.Items[i];
            bool wrong = item.Kind != SimKind.Malformed && i % 7 == 3;
            int home = item.Kind == SimKind.Malformed ? item.Partition : Murmur2(item.UserId, partitions);
            items.Add(item with { Partition = wrong ? (home + 1) % partitions : home });
            misKeyed.Add(wrong && partitions > 1);
        }
        var s = WithExpectation(generated.Config, items, misKeyed);
        using var cluster = StartCluster(partitions);
        ProduceWithKcat(kcat, cluster, s, 0, s.Items.Count);
        using var host = HostProcess.Start(HostArgs(cluster, s.Config, "reject", "--input-keying", "reject"));

        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), Catchup, host), Is.True, () => host.StderrText);
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(30)), Is.Zero, () => host.StderrText);
        Assert.That(s.Expected.Steps.Count(x => x == "rejected:mis_keyed"), Is.EqualTo(misKeyed.Count(m => m)).And.GreaterThan(100));
        Assert.That(Verdict(cluster, s), Is.Null, "attributions of the keyed records, a mis_keyed dead letter for each other one");
    }

    // The reference with each mis-keyed record rejected before the model sees it (it never reaches the engine's state).
    private static Scenario WithExpectation(AttributionConfig config, List<SimEvent> items, List<bool> misKeyed)
    {
        var offsets = new long[items.Count];
        var next = new long[config.Partitions];
        for (int i = 0; i < items.Count; i++)
        {
            offsets[i] = next[items[i].Partition]++;
        }
        var model = new ReferenceModel(config, guarded: true);
        var steps = new List<string>();
        for (int i = 0; i < items.Count; i++)
        {
            steps.Add(misKeyed[i] ? "rejected:mis_keyed" : model.Apply(items[i]));
        }
        return new Scenario(config, items, offsets, new RunResult(steps, model.Outputs, [], model.Rejections));
    }

    private static int Murmur2(string userId, int partitions) => KafkaPartitioner.Murmur2(System.Text.Encoding.UTF8.GetBytes(userId), partitions);

    private static Dictionary<int, long> MisKeyedPerPartition(Scenario s)
    {
        var counts = new Dictionary<int, long>();
        foreach (var item in s.Items.Where(i => i.Kind != SimKind.Malformed))
        {
            if (Murmur2(item.UserId, s.Partitions) != item.Partition)
            {
                counts[item.Partition] = counts.GetValueOrDefault(item.Partition) + 1;
            }
        }
        return counts;
    }

    // The report writes a line per partition at most every 10 s; its running total per partition must reach the count.
    private static bool WaitForReported(HostProcess host, Dictionary<int, long> expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            var reported = new Dictionary<int, long>();
            foreach (string line in host.Stderr)
            {
                var m = ReportLine().Match(line);
                if (m.Success)
                {
                    int p = int.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture);
                    reported[p] = Math.Max(reported.GetValueOrDefault(p), long.Parse(m.Groups["total"].Value, CultureInfo.InvariantCulture));
                }
            }
            if (expected.All(kv => reported.GetValueOrDefault(kv.Key) == kv.Value) && reported.Keys.All(expected.ContainsKey))
            {
                return true;
            }
            Thread.Sleep(500);
        }
        return false;
    }

    private static string Describe(Dictionary<int, long> counts) => string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"));

    [GeneratedRegex(@"warn keying miskeyed partition=(?<p>\d+) records=\d+ partition_total=(?<total>\d+) expected_partition_of_sample=\d+ sample_key=\S+ mode=trust")]
    private static partial Regex ReportLine();
}
