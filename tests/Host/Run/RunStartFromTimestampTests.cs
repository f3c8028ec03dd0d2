using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// <c>run --start-from-timestamp T</c> for a cut-over, on the embedded broker with the built apphost: a new group
/// produces outputs exactly for the input at or after T, attributed with the state of the input before it.
/// </summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
public class RunStartFromTimestampTests
{
    [Test]
    public void A_new_group_started_from_a_timestamp_attributes_exactly_the_conversions_at_or_after_it_using_clicks_from_before_it()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 4_000);
        int half = CutWithMostAttributionsAcrossIt(s);
        using var cluster = StartCluster(s.Partitions);
        ProduceWithKcat(kcat, cluster, s, 0, half);
        // T falls between the two halves' Kafka record timestamps (kcat stamps each record when it produces it).
        Thread.Sleep(1_500);
        long t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Thread.Sleep(1_500);
        ProduceWithKcat(kcat, cluster, s, half, s.Items.Count);

        using var host = HostProcess.Start(HostArgs(cluster, s.Config, "cutover", "--input-keying", "trust",
            "--start-from-timestamp", DateTimeOffset.FromUnixTimeMilliseconds(t).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)), appHost: true);
        Assert.That(WaitForCommitted(cluster, Ends(s, s.Items.Count), TimeSpan.FromSeconds(90), host), Is.True, () => host.StderrText);
        host.Terminate();
        Assert.That(host.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, () => host.StderrText);
        var found = host.Stderr.Where(l => l.Contains("first_offset_at_or_after=", StringComparison.Ordinal)).ToList();
        TestContext.Out.WriteLine(string.Join("\n", found));
        var ends = Ends(s, s.Items.Count);
        for (int p = 0; p < s.Partitions; p++)
        {
            // The first record of the second half in p, else p's end: where the producer's timestamps cross T.
            long first = Enumerable.Range(half, s.Items.Count - half).Where(i => s.Items[i].Partition == p).Select(i => s.Offsets[i]).DefaultIfEmpty(ends[p]).Min();
            Assert.That(found, Has.One.Contains($" partition={p} ").And.Contains($" first_offset_at_or_after={first} "), $"partition {p}");
        }

        // The reference over the whole stream, kept for the second half: the host's state at T is the first half's.
        var expected = new Dictionary<(int, long), AttributedOutput>();
        int o = 0;
        for (int i = 0; i < s.Items.Count; i++)
        {
            if (s.Expected.Steps[i] == nameof(AttributionOutcome.Attributed))
            {
                var output = s.Expected.Outputs[o++];
                if (i >= half)
                {
                    expected[(s.Items[i].Partition, s.Offsets[i])] = output;
                }
            }
        }
        var firstHalfClicks = s.Items.Take(half).Where(x => x.Kind == SimKind.Click).Select(x => x.EventId).ToHashSet();
        int fromBefore = expected.Values.Count(x => firstHalfClicks.Contains(x.ClickId));
        TestContext.Out.WriteLine($"expected {expected.Count} attributions after T, {fromBefore} of them to clicks from before T");
        Assert.That(fromBefore, Is.Positive, "the scenario attributes conversions after T to clicks before T");

        var outputs = ReadOutputs(cluster);
        var got = new Dictionary<(int, long), AttributedOutput>();
        foreach (var r in outputs)
        {
            Assert.That(got.TryAdd((r.SourcePartition, r.SourceOffset), CollectingOutput.Parse(r.SourcePartition, r.Value)), Is.True, $"input {r.SourcePartition}/{r.SourceOffset} attributed twice");
        }
        Assert.That(got.Keys.Except(expected.Keys).ToList(), Is.Empty, "outputs for conversions before T");
        Assert.That(expected.Keys.Except(got.Keys).ToList(), Is.Empty, "conversions at or after T not attributed");
        Assert.That(got, Is.EquivalentTo(expected), "attributions differ from the reference");

        // Run again with the group's offsets now committed: they win over the flag (logged), nothing is produced again.
        string later = DateTimeOffset.UtcNow.AddDays(-30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        using (var again = HostProcess.Start(HostArgs(cluster, s.Config, "cutover", "--input-keying", "trust", "--start-from-timestamp", later), appHost: true))
        {
            Assert.That(SpinWait.SpinUntil(() => again.Stderr.Count(l => l.Contains("start_from_timestamp=ignored", StringComparison.Ordinal)) == s.Partitions || again.HasExited, TimeSpan.FromSeconds(60)), Is.True, () => again.StderrText);
            Thread.Sleep(1_000);
            again.Terminate();
            Assert.That(again.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, () => again.StderrText);
        }
        Assert.That(ReadOutputs(cluster), Has.Count.EqualTo(outputs.Count), "a restart with committed offsets produced again");

        var badAfter = ExpectedDeadLetters(s).Keys.Where(k => Enumerable.Range(half, s.Items.Count - half).Any(i => (s.Items[i].Partition, s.Offsets[i]) == k)).ToHashSet();
        var letters = ReadTopic(cluster, DeadLetters, "source-partition", "source-offset").Select(d => (d.SourcePartition, d.SourceOffset)).ToList();
        Assert.That(letters, Is.EquivalentTo(badAfter), "dead letters exactly for the bad records at or after T");
    }

    // The cut (in the middle half of the stream) that the most attributions span, click before it, conversion after.
    private static int CutWithMostAttributionsAcrossIt(Scenario s)
    {
        var clickAt = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < s.Items.Count; i++)
        {
            if (s.Items[i].Kind == SimKind.Click)
            {
                clickAt.TryAdd(s.Items[i].EventId, i);
            }
        }
        var spans = new List<(int Click, int Conversion)>();
        int o = 0;
        for (int i = 0; i < s.Items.Count; i++)
        {
            if (s.Expected.Steps[i] == nameof(AttributionOutcome.Attributed) && clickAt.TryGetValue(s.Expected.Outputs[o++].ClickId, out int c))
            {
                spans.Add((c, i));
            }
        }
        int n = s.Items.Count;
        return Enumerable.Range(n / 4, n / 2).MaxBy(h => spans.Count(x => x.Click < h && h <= x.Conversion));
    }

    [TestCase("yesterday", "must be an ISO-8601 time in UTC")]
    [TestCase("2026-12-07T06:00:00", "must be an ISO-8601 time in UTC")]
    [TestCase("-5", "must be an ISO-8601 time in UTC")]
    public void A_bad_start_timestamp_is_refused_in_one_sentence(string value, string words)
    {
        var stderr = new StringWriter();
        int exit = Attribution.Host.Run.RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--input-keying", "trust", "--start-from-timestamp", value],
            new Dictionary<string, string>(), stderr, CancellationToken.None);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.ToString().Trim(), Is.EqualTo($"attribution run: --start-from-timestamp {words} like 2026-12-07T06:00:00Z or Unix epoch milliseconds, but got '{value}'."));
    }

    [Test]
    public void A_start_timestamp_with_rekeyed_input_is_refused_in_one_sentence()
    {
        var stderr = new StringWriter();
        int exit = Attribution.Host.Run.RunCommand.Run(["--bootstrap-servers", "127.0.0.1:1", "--start-from-timestamp", "1796625847513"],
            new Dictionary<string, string>(), stderr, CancellationToken.None);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.ToString().Trim(), Does.StartWith("attribution run: --start-from-timestamp needs --input-keying trust or reject"));
    }
}
