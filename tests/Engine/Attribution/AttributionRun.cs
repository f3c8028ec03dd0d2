using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>Runs a stream through the core or the reference model and compares the results.</summary>
public static class AttributionRun
{
    /// <summary>Step of an <see cref="SimKind.Expire"/> item.</summary>
    public const string ExpireMark = "expire";

    /// <summary>Step of a rejected line.</summary>
    public static string RejectedMark(RejectReason reason) => "rejected:" + RejectReasons.Name(reason);

    /// <summary>Runs the core; counts come from its counters (so they are checked too).</summary>
    public static RunResult Core(AttributionConfig config, IReadOnlyList<SimEvent> items, SimEventDecoder? decoder = null, bool expireAfterEveryItem = false)
    {
        using var driver = new CoreDriver(config, decoder) { ExpireAfterEveryItem = expireAfterEveryItem };
        var steps = new List<string>(items.Count);
        foreach (SimEvent item in items)
        {
            steps.Add(driver.Apply(item));
        }
        AttributionCounters c = driver.Core.Counters;
        var rejections = new Dictionary<RejectReason, long>();
        for (int i = 0; i < c.Rejections.Length; i++)
        {
            if (c.Rejections[i] != 0)
            {
                rejections[(RejectReason)i] = c.Rejections[i];
            }
        }
        return new RunResult(steps, driver.Outputs, c.Outcomes.ToArray(), rejections);
    }

    /// <summary>Runs the reference model (with the event-time guard when <paramref name="guarded"/>, as the engine); counts are tallied from its steps.</summary>
    public static RunResult Reference(AttributionConfig config, IReadOnlyList<SimEvent> items, bool guarded = false)
    {
        var model = new ReferenceModel(config, guarded);
        var steps = items.Select(model.Apply).ToList();
        var counts = new long[AttributionOutcomes.Count];
        foreach (string step in steps)
        {
            if (Enum.TryParse(step, out AttributionOutcome o))
            {
                counts[(int)o]++;
            }
        }
        return new RunResult(steps, model.Outputs, counts, model.Rejections);
    }

    /// <summary>Null when both runs are observably identical, else the first difference in words.</summary>
    public static string? Difference(RunResult expected, RunResult actual, IReadOnlyList<SimEvent>? items = null)
    {
        for (int i = 0; i < Math.Min(expected.Steps.Count, actual.Steps.Count); i++)
        {
            if (expected.Steps[i] != actual.Steps[i])
            {
                string at = items is null ? "" : $" ({items[i]})";
                return $"item {i}{at}: expected {expected.Steps[i]}, got {actual.Steps[i]}";
            }
        }
        if (expected.Steps.Count != actual.Steps.Count)
        {
            return $"expected {expected.Steps.Count} steps, got {actual.Steps.Count}";
        }
        for (int i = 0; i < Math.Min(expected.Outputs.Count, actual.Outputs.Count); i++)
        {
            if (expected.Outputs[i] != actual.Outputs[i])
            {
                return $"output {i}: expected {expected.Outputs[i]}, got {actual.Outputs[i]}";
            }
        }
        if (expected.Outputs.Count != actual.Outputs.Count)
        {
            return $"expected {expected.Outputs.Count} outputs, got {actual.Outputs.Count}";
        }
        if (!expected.OutcomeCounts.SequenceEqual(actual.OutcomeCounts))
        {
            return $"outcome counts: expected [{string.Join(", ", expected.OutcomeCounts)}], got [{string.Join(", ", actual.OutcomeCounts)}]";
        }
        if (expected.Rejections.Count != actual.Rejections.Count
            || expected.Rejections.Any(r => actual.Rejections.GetValueOrDefault(r.Key) != r.Value))
        {
            return $"rejections: expected {Describe(expected.Rejections)}, got {Describe(actual.Rejections)}";
        }
        return null;
    }

    private static string Describe(IReadOnlyDictionary<RejectReason, long> rejections)
    {
        var text = new StringBuilder("{");
        foreach (KeyValuePair<RejectReason, long> r in rejections.OrderBy(r => r.Key))
        {
            text.Append(' ').Append(RejectReasons.Name(r.Key)).Append('=').Append(r.Value);
        }
        return text.Append(" }").ToString();
    }
}
