using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Host.Replay;

/// <summary>What a run did, printed at its end.</summary>
public sealed record RunSummary
{
    /// <summary>Non-blank input records read.</summary>
    public long EventsRead { get; init; }
    /// <summary>Valid clicks.</summary>
    public long Clicks { get; init; }
    /// <summary>Valid conversions.</summary>
    public long Conversions { get; init; }
    /// <summary>Attributed conversions written.</summary>
    public long Attributed { get; init; }
    /// <summary>Rejected records by reason name (non-zero only).</summary>
    public required IReadOnlyDictionary<string, long> RejectedByReason { get; init; }
    /// <summary>Outcomes by name (non-zero only).</summary>
    public required IReadOnlyDictionary<string, long> Outcomes { get; init; }
    /// <summary>Blank lines skipped (not events).</summary>
    public long BlankLines { get; init; }
    /// <summary>When the run resumed from a snapshot: the input line it resumed after.</summary>
    public long? ResumedAfterLine { get; init; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Total rejected.</summary>
    public long Rejected => RejectedByReason.Values.Sum();

    /// <summary>Events per second of wall time.</summary>
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? EventsRead / Elapsed.TotalSeconds : 0;

    /// <summary>Builds a summary from the core's counters.</summary>
    public static RunSummary From(AttributionCounters counters, long blankLines, TimeSpan elapsed)
    {
        var rejected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long rejectedTotal = 0;
        for (int r = 1; r < RejectReasons.Count; r++)
        {
            long n = counters.Rejection((RejectReason)r);
            rejectedTotal += n;
            if (n > 0)
            {
                rejected[RejectReasons.Name((RejectReason)r)] = n;
            }
        }
        var outcomes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (AttributionOutcome o in Enum.GetValues<AttributionOutcome>())
        {
            long n = counters.Outcome(o);
            if (n > 0)
            {
                outcomes[AttributionOutcomes.Name(o)] = n;
            }
        }
        return new RunSummary
        {
            EventsRead = counters.Clicks + counters.Conversions + rejectedTotal,
            Clicks = counters.Clicks,
            Conversions = counters.Conversions,
            Attributed = counters.Outcome(AttributionOutcome.Attributed),
            RejectedByReason = rejected,
            Outcomes = outcomes,
            BlankLines = blankLines,
            Elapsed = elapsed,
        };
    }

    /// <summary>Prints the summary as an aligned table.</summary>
    public void WriteTo(TextWriter w)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine("summary");
        if (ResumedAfterLine is { } line)
        {
            w.WriteLine(string.Create(c, $"  resumed after line {line,12:N0} (counts below are for this run)"));
        }
        w.WriteLine(string.Create(c, $"  events read        {EventsRead,12:N0}"));
        w.WriteLine(string.Create(c, $"  clicks             {Clicks,12:N0}"));
        w.WriteLine(string.Create(c, $"  conversions        {Conversions,12:N0}"));
        w.WriteLine(string.Create(c, $"  attributed         {Attributed,12:N0}"));
        w.WriteLine(string.Create(c, $"  rejected           {Rejected,12:N0}"));
        foreach (var (reason, n) in RejectedByReason)
        {
            w.WriteLine(string.Create(c, $"    {reason,-18}{n,10:N0}"));
        }
        w.WriteLine("  outcomes");
        foreach (var (name, n) in Outcomes)
        {
            w.WriteLine(string.Create(c, $"    {name,-22}{n,10:N0}"));
        }
        if (BlankLines > 0)
        {
            w.WriteLine(string.Create(c, $"  blank lines skipped{BlankLines,12:N0}"));
        }
        w.WriteLine(string.Create(c, $"  elapsed            {Elapsed.TotalSeconds,12:F3} s"));
        w.WriteLine(string.Create(c, $"  events/s           {EventsPerSecond,12:N0}"));
    }
}
