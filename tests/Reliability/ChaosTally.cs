using Attribution.Engine.Attribution;
using Attribution.Testing.Kafka;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Host.Kafka;
using Attribution.Tests.Host.Run;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Reliability;

/// <summary>
/// What a read_committed consumer finds in the output and dead-letter topics, counted against the reference model:
/// unlike <see cref="Verdict"/> it does not stop at the first difference, so a chaos run can report how many were
/// lost and duplicated.
/// </summary>
internal sealed record ChaosTally(int Expected, int Found, int Lost, int Duplicated, int Unexpected, int Different,
    int DeadLettersExpected, int DeadLettersLost, int DeadLettersDuplicated, int DeadLettersWrong, IReadOnlyList<string> Examples)
{
    /// <summary>True when every attribution and every dead letter is there exactly once (letters with the reference's reason), as the reference says.</summary>
    public bool Exact => Lost == 0 && Duplicated == 0 && Unexpected == 0 && Different == 0 && DeadLettersLost == 0 && DeadLettersDuplicated == 0 && DeadLettersWrong == 0;

    /// <summary>
    /// Reads both topics and counts. With <paramref name="committed"/> (the group's committed input offsets, by partition)
    /// only the input below them (with re-keying: whose copies' work is committed) is expected to have its outputs: for a
    /// run that was stopped part way.
    /// </summary>
    public static ChaosTally Count(KafkaTestCluster cluster, Scenario s, long[]? committed = null)
    {
        if (RekeyedVerdict.InUse(cluster))
        {
            return CountRekeyed(cluster, s, committed);
        }
        var expected = new Dictionary<(int, long), AttributedOutput>();
        int o = 0;
        for (int i = 0; i < s.Items.Count; i++)
        {
            bool due = committed is null || s.Offsets[i] < committed[s.Items[i].Partition];
            if (s.Expected.Steps[i] == nameof(AttributionOutcome.Attributed))
            {
                var output = s.Expected.Outputs[o++];
                if (due)
                {
                    expected[(s.Items[i].Partition, s.Offsets[i])] = output;
                }
            }
        }
        Dictionary<(int, long), string> expectedBad = ExpectedDeadLetters(s);
        if (committed is not null)
        {
            foreach (var at in expectedBad.Keys.Where(k => k.Item2 >= committed[k.Item1]).ToList())
            {
                expectedBad.Remove(at);
            }
        }

        var examples = new List<string>();
        void Example(string text)
        {
            if (examples.Count < 5)
            {
                examples.Add(text);
            }
        }
        var seen = new Dictionary<(int, long), int>();
        int unexpected = 0, different = 0;
        var outputs = ReadOutputs(cluster);
        foreach (var r in outputs)
        {
            var at = (r.SourcePartition, r.SourceOffset);
            seen[at] = seen.GetValueOrDefault(at) + 1;
            if (!expected.TryGetValue(at, out var want))
            {
                unexpected++;
                Example($"unexpected attribution of input {at}");
            }
            else if (seen[at] == 1 && (CollectingOutput.Parse(r.SourcePartition, r.Value) != want || r.Key != want.UserId))
            {
                different++;
                Example($"different attribution of input {at}: {r.Value}");
            }
        }
        int lost = expected.Keys.Count(k => !seen.ContainsKey(k));
        int duplicated = seen.Values.Sum(n => n - 1);
        foreach (var k in expected.Keys.Where(k => !seen.ContainsKey(k)).Take(3))
        {
            Example($"lost attribution of input {k}");
        }
        foreach (var k in seen.Where(kv => kv.Value > 1).Select(kv => kv.Key).Take(3))
        {
            Example($"duplicated attribution of input {k}");
        }

        var letters = new Dictionary<(int, long), int>();
        int wrong = 0;
        foreach (var d in ReadTopic(cluster, cluster.Name(DeadLetters), "source-partition", "source-offset"))
        {
            var at = (d.SourcePartition, d.SourceOffset);
            letters[at] = letters.GetValueOrDefault(at) + 1;
            if (!expectedBad.TryGetValue(at, out string? reason) || reason != d.Reason)
            {
                wrong++;
                Example($"dead letter of input {at} with reason {d.Reason ?? "none"}, expected {reason ?? "no dead letter"}");
            }
        }
        return new ChaosTally(expected.Count, outputs.Count, lost, duplicated, unexpected, different,
            expectedBad.Count, expectedBad.Keys.Count(k => !letters.ContainsKey(k)), letters.Values.Sum(n => n - 1), wrong, examples);
    }

    // A re-keying run (RekeyedVerdict): attributions are named by their repartition coordinates and expected from the
    // reference over each repartition partition; a fault in the copies themselves counts as an unexpected difference.
    // For a run stopped part way, an attribution is due when the group committed its copy's work, a dead letter when
    // it committed the bad input record (rejected on input) or the outlier's copy (rejected after re-keying).
    private static ChaosTally CountRekeyed(KafkaTestCluster cluster, Scenario s, long[]? committedInput)
    {
        var examples = new List<string>();
        string? copyProblem = RekeyedVerdict.Expect(cluster, s, out var copies, out var expected, out var expectedBad, committedInput);
        if (copyProblem is not null)
        {
            examples.Add("repartition topic: " + copyProblem);
        }
        if (committedInput is not null)
        {
            long[] committedCopies = RekeyedVerdict.CommittedCopies(cluster);
            bool Done(int p, long o) => p < committedCopies.Length && o < committedCopies[p];
            var copyOf = copies.ToDictionary(c => (c.InputPartition, c.InputOffset), c => (c.Partition, c.Offset));
            foreach (var at in expected.Keys.Where(k => !Done(k.Item1, k.Item2)).ToList())
            {
                expected.Remove(at);
            }
            foreach (var at in expectedBad.Keys.ToList())
            {
                bool due = copyOf.TryGetValue(at, out var copy) ? Done(copy.Partition, copy.Offset) : at.Item2 < committedInput[at.Item1];
                if (!due)
                {
                    expectedBad.Remove(at);
                }
            }
        }
        void Example(string text)
        {
            if (examples.Count < 5)
            {
                examples.Add(text);
            }
        }
        var seen = new Dictionary<(int, long), int>();
        int unexpected = copyProblem is null ? 0 : 1, different = 0;
        var outputs = ReadOutputs(cluster);
        foreach (var r in outputs)
        {
            var at = (r.SourcePartition, r.SourceOffset);
            seen[at] = seen.GetValueOrDefault(at) + 1;
            if (!expected.TryGetValue(at, out var want))
            {
                unexpected += copyProblem is null ? 1 : 0;
                Example($"unexpected attribution of repartition record {at}");
            }
            else if (seen[at] == 1 && (CollectingOutput.Parse(r.SourcePartition, r.Value) != want || r.Key != want.UserId))
            {
                different++;
                Example($"different attribution of repartition record {at}: {r.Value}");
            }
        }
        int lost = expected.Keys.Count(k => !seen.ContainsKey(k));
        foreach (var k in expected.Keys.Where(k => !seen.ContainsKey(k)).Take(3))
        {
            Example($"lost attribution of repartition record {k}");
        }
        var letters = new Dictionary<(int, long), int>();
        int wrong = 0;
        foreach (var (at, reason) in RekeyedVerdict.ReadDeadLetters(cluster))
        {
            letters[at] = letters.GetValueOrDefault(at) + 1;
            if (!expectedBad.TryGetValue(at, out string? want) || want != reason)
            {
                wrong++;
                Example($"dead letter of input {at} with reason {reason}, expected {want ?? "no dead letter"}");
            }
        }
        return new ChaosTally(expected.Count, outputs.Count, lost, seen.Values.Sum(n => n - 1), unexpected, different,
            expectedBad.Count, expectedBad.Keys.Count(k => !letters.ContainsKey(k)), letters.Values.Sum(n => n - 1), wrong, examples);
    }
}
