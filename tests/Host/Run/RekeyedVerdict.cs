using System.Globalization;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Testing.Kafka;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The verdict of a run that re-keyed its input (<c>--input-keying rekey</c>, the default). The only freedom a
/// re-keying host has is how the input partitions interleave in each repartition partition, which Kafka fixes once
/// the copies are written. So the verdict reads the repartition topic back and checks it, independently of the
/// host's code, before it uses it as the engine's input sequence:
/// <list type="bullet">
/// <item>every valid input record is copied exactly once, keyed by its user id, and every copy is one of them;</item>
/// <item>all copies of one user are in one repartition partition, and the copies of one input partition keep
/// their input order within each repartition partition;</item>
/// <item>the output topic holds exactly the reference model's attributions over each repartition partition's
/// sequence (keyBy(user_id): the state of a user is one), each once, at its repartition position;</item>
/// <item>every bad input record and clock outlier is dead-lettered exactly once, named by its input
/// coordinates, with the reference's reason.</item>
/// </list>
/// </summary>
internal static class RekeyedVerdict
{
    /// <summary>The repartition topic of the tests' group.</summary>
    public const string Topic = RunTestKit.Group + "-by-user-repartition";

    /// <summary>One record of the repartition topic.</summary>
    public sealed record Copy(int Partition, long Offset, int InputPartition, long InputOffset, string Key, string Value);

    /// <summary>Whether a host re-keyed records into the tests' repartition topic on this cluster (a trusting run leaves it empty).</summary>
    public static bool InUse(KafkaTestCluster cluster)
    {
        using var admin = new AdminClientBuilder(cluster.Apply(new AdminClientConfig())).Build();
        var topic = admin.GetMetadata(KafkaTestClients.Patience).Topics.FirstOrDefault(t => t.Topic == cluster.Name(Topic) && !t.Error.IsError);
        if (topic is null)
        {
            return false;
        }
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClients.Consumer(cluster, KafkaTestClients.Unique("marks"))).Build();
        return topic.Partitions.Any(p => consumer.QueryWatermarkOffsets(new TopicPartition(cluster.Name(Topic), p.PartitionId), KafkaTestClients.Patience).High.Value > 0);
    }

    /// <summary>Reads the repartition topic from the start (read_committed), in partition and offset order.</summary>
    public static List<Copy> ReadCopies(KafkaTestCluster cluster) =>
        TopicReadBack.ReadAll<string, string, Copy>(cluster, cluster.Name(Topic), r =>
        {
            var (partition, offset) = RunTestKit.Coordinates(r.Message.Headers, "input", Topic);
            return new Copy(r.Partition.Value, r.Offset.Value, partition, offset, r.Message.Key ?? "", r.Message.Value ?? "");
        }).OrderBy(c => c.Partition).ThenBy(c => c.Offset).ToList();

    /// <summary>The group's committed offset of each repartition partition (negative when none).</summary>
    public static long[] CommittedCopies(KafkaTestCluster cluster)
    {
        using var admin = new AdminClientBuilder(cluster.Apply(new AdminClientConfig())).Build();
        int partitions = admin.GetMetadata(cluster.Name(Topic), KafkaTestClients.Patience).Topics[0].Partitions.Count;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClients.Consumer(cluster, cluster.Name(RunTestKit.Group))).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(cluster.Name(Topic), p)), KafkaTestClients.Patience);
        return committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value).ToArray();
    }

    /// <summary>Whether the group committed every repartition partition past its last copy.</summary>
    public static bool Drained(KafkaTestCluster cluster)
    {
        var last = ReadCopies(cluster).GroupBy(c => c.Partition).ToDictionary(g => g.Key, g => g.Max(c => c.Offset));
        if (last.Count == 0)
        {
            return true;
        }
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(KafkaTestClients.Consumer(cluster, cluster.Name(RunTestKit.Group))).Build();
        var committed = consumer.Committed(last.Keys.Select(p => new TopicPartition(cluster.Name(Topic), p)), KafkaTestClients.Patience);
        return committed.All(c => c.Offset.Value > last[c.Partition.Value]);
    }

    /// <summary>
    /// What the reference expects of a re-keyed run, from the copies in the repartition topic (checked first; a problem
    /// with them is returned instead): the attributions by repartition coordinates, the dead letters by input coordinates.
    /// With <paramref name="committedInput"/> (a run stopped part way) only the input below it must have been copied.
    /// </summary>
    public static string? Expect(KafkaTestCluster cluster, RunTestKit.Scenario s, out List<Copy> copies,
        out Dictionary<(int, long), AttributedOutput> expected, out Dictionary<(int, long), string> expectedLetters, long[]? committedInput = null)
    {
        var index = new Dictionary<(int, long), int>();
        for (int i = 0; i < s.Items.Count; i++)
        {
            index[(s.Items[i].Partition, s.Offsets[i])] = i;
        }
        copies = ReadCopies(cluster);
        expected = new Dictionary<(int, long), AttributedOutput>();
        expectedLetters = new Dictionary<(int, long), string>();
        if (CheckCopies(s, index, copies, committedInput) is { } copyProblem)
        {
            return copyProblem;
        }

        // The reference over each repartition partition's sequence; partitions are independent, so one model serves all.
        var model = new ReferenceModel(s.Config, guarded: true);
        foreach (var c in copies)
        {
            var item = s.Items[index[(c.InputPartition, c.InputOffset)]] with { Partition = c.Partition };
            string step = model.Apply(item);
            if (step == nameof(AttributionOutcome.Attributed))
            {
                expected[(c.Partition, c.Offset)] = model.Outputs[^1];
            }
            else if (step.StartsWith("rejected:", StringComparison.Ordinal))
            {
                expectedLetters[(c.InputPartition, c.InputOffset)] = step["rejected:".Length..];
            }
        }
        for (int i = 0; i < s.Items.Count; i++)
        {
            if (s.Items[i].Kind == SimKind.Malformed)
            {
                expectedLetters[(s.Items[i].Partition, s.Offsets[i])] = RejectReasons.Name(s.Items[i].ExpectedReject);
            }
        }
        return null;
    }

    /// <summary>Null when the run's output and dead letters are exactly the keyBy(user_id) reference's, else the first difference.</summary>
    public static string? Verdict(KafkaTestCluster cluster, RunTestKit.Scenario s)
    {
        if (Expect(cluster, s, out var copies, out var expected, out var expectedLetters) is { } copyProblem)
        {
            return copyProblem;
        }

        var outputs = RunTestKit.ReadOutputs(cluster);
        var seen = new HashSet<(int, long)>();
        foreach (var r in outputs)
        {
            var at = (r.SourcePartition, r.SourceOffset);
            if (!seen.Add(at))
            {
                return $"duplicate: the attribution of repartition record {at.Item1}/{at.Item2} is in {RunTestKit.Output} twice";
            }
            if (!expected.TryGetValue(at, out var want))
            {
                return $"unexpected: {RunTestKit.Output} has an attribution for repartition record {at.Item1}/{at.Item2}, the reference has none ({r.Value})";
            }
            var got = CollectingOutput.Parse(r.SourcePartition, r.Value);
            if (got != want)
            {
                return $"different: repartition record {at.Item1}/{at.Item2}: expected {want}, got {got}";
            }
            if (r.Key != want.UserId)
            {
                return $"wrong key: repartition record {at.Item1}/{at.Item2} keyed '{r.Key}', expected the user_id '{want.UserId}'";
            }
        }
        var missing = expected.Keys.Where(k => !seen.Contains(k)).OrderBy(k => k).ToList();
        if (missing.Count > 0)
        {
            return $"lost: {missing.Count} attribution(s) missing, first for repartition record {missing[0].Item1}/{missing[0].Item2}";
        }

        var letters = ReadDeadLetters(cluster);
        var seenBad = new HashSet<(int, long)>();
        foreach (var (at, reason) in letters)
        {
            if (!seenBad.Add(at))
            {
                return $"duplicate dead letter for input {at.Item1}/{at.Item2}";
            }
            if (!expectedLetters.TryGetValue(at, out string? want))
            {
                return $"unexpected dead letter for input {at.Item1}/{at.Item2} ({reason})";
            }
            if (want != reason)
            {
                return $"the dead letter of input {at.Item1}/{at.Item2} says {reason}, the reference {want}";
            }
        }
        if (seenBad.Count != expectedLetters.Count)
        {
            return $"dead letters differ: expected {expectedLetters.Count}, found {seenBad.Count} (missing {string.Join(",", expectedLetters.Keys.Except(seenBad).Take(3))})";
        }
        TestContext.Out.WriteLine($"verdict (re-keyed): {copies.Count} copies in {copies.Select(c => c.Partition).Distinct().Count()} repartition partitions, " +
            $"{outputs.Count} attributions and {letters.Count} dead letters, each exactly once, equal to the keyBy(user_id) reference");
        return null;
    }

    private static string? CheckCopies(RunTestKit.Scenario s, Dictionary<(int, long), int> index, List<Copy> copies, long[]? committedInput)
    {
        var copied = new HashSet<(int, long)>();
        var userPartition = new Dictionary<string, int>();
        var lastInput = new Dictionary<(int Repartition, int Input), long>();
        foreach (var c in copies)
        {
            var input = (c.InputPartition, c.InputOffset);
            if (!index.TryGetValue(input, out int i) || s.Items[i].Kind == SimKind.Malformed)
            {
                return $"the repartition topic holds {c.Partition}/{c.Offset}, a copy of input {input.Item1}/{input.Item2}, which is no valid input record";
            }
            if (!copied.Add(input))
            {
                return $"input {input.Item1}/{input.Item2} is copied into the repartition topic twice";
            }
            var item = s.Items[i];
            if (c.Key != item.UserId)
            {
                return $"the copy of input {input.Item1}/{input.Item2} is keyed '{c.Key}', not its user_id '{item.UserId}'";
            }
            if (userPartition.TryGetValue(item.UserId, out int q) && q != c.Partition)
            {
                return $"user {item.UserId} is in repartition partitions {q} and {c.Partition}";
            }
            userPartition[item.UserId] = c.Partition;
            if (lastInput.TryGetValue((c.Partition, c.InputPartition), out long before) && before > c.InputOffset)
            {
                return $"repartition partition {c.Partition} holds input {c.InputPartition}/{before} before {c.InputPartition}/{c.InputOffset}: the input order is lost";
            }
            lastInput[(c.Partition, c.InputPartition)] = c.InputOffset;
        }
        int valid = Enumerable.Range(0, s.Items.Count)
            .Count(i => s.Items[i].Kind != SimKind.Malformed && (committedInput is null || s.Offsets[i] < committedInput[s.Items[i].Partition]));
        if (copied.Count != valid)
        {
            return $"the repartition topic holds {copied.Count} of the {valid} valid input records";
        }
        return null;
    }

    /// <summary>
    /// Each dead letter by its input coordinates, with its reason: a record rejected on input names them directly, one
    /// rejected after re-keying (a clock outlier) carries them as input-partition / input-offset headers.
    /// </summary>
    public static List<((int, long) At, string Reason)> ReadDeadLetters(KafkaTestCluster cluster) =>
        TopicReadBack.ReadAll<Ignore, byte[], ((int, long), string)>(cluster, cluster.Name(RunTestKit.DeadLetters), r =>
        {
            var h = r.Message.Headers;
            string topic = h.TryGetLastBytes("source-topic", out var t) ? Encoding.UTF8.GetString(t) : "";
            string reason = h.TryGetLastBytes("reason", out var rb) ? Encoding.ASCII.GetString(rb) : "(no reason)";
            (int, long) at = topic == cluster.Name(RunTestKit.Input)
                ? ((int)Number(h, "source-partition"), Number(h, "source-offset"))
                : ((int)Number(h, "input-partition"), Number(h, "input-offset"));
            return (at, reason);
        });

    private static long Number(Headers headers, string name) =>
        headers.TryGetLastBytes(name, out var b) ? long.Parse(Encoding.ASCII.GetString(b), CultureInfo.InvariantCulture) : -1;
}
