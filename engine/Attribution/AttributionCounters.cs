using Attribution.Engine.Events;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Event counts of one attribution core (one shard thread): plain fields, written without
/// synchronisation by the owning thread (so counting costs no atomics); other threads may read stale values.
/// </summary>
public sealed class AttributionCounters
{
    /// <summary>Events processed (clicks + conversions; rejected records are not events).</summary>
    public long Events;
    /// <summary>Clicks processed.</summary>
    public long Clicks;
    /// <summary>Conversions processed.</summary>
    public long Conversions;
    /// <summary>Records the decoder rejected (sum of <see cref="Rejections"/>).</summary>
    public long Rejected;

    /// <summary>Events per <see cref="AttributionOutcome"/>, indexed by its value.</summary>
    public readonly long[] Outcomes = new long[AttributionOutcomes.Count];

    /// <summary>Rejected records per <see cref="RejectReason"/>, indexed by its value (sized by <see cref="RejectReasons.Count"/>).</summary>
    public readonly long[] Rejections = new long[RejectReasons.Count];

    /// <summary>Count of one outcome.</summary>
    public long Outcome(AttributionOutcome outcome) => Outcomes[(int)outcome];

    /// <summary>Count of one reject reason.</summary>
    public long Rejection(RejectReason reason) => Rejections[(int)reason];

    /// <summary>Counts a record the decoder rejected.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reason"/> is <see cref="RejectReason.None"/> or unknown.</exception>
    public void RecordRejected(RejectReason reason)
    {
        int i = (int)reason;
        if (i <= 0 || i >= Rejections.Length)
        {
            AttributionThrowHelper.ThrowRejectReason(i);
        }
        Rejections[i]++;
        Rejected++;
    }

    internal void RecordOutcome(AttributionOutcome outcome, bool isClick)
    {
        Events++;
        if (isClick)
        {
            Clicks++;
        }
        else
        {
            Conversions++;
        }
        Outcomes[(int)outcome]++;
    }

    /// <summary>Adds <paramref name="other"/>'s counts to this one (summing shards).</summary>
    public void Add(AttributionCounters other)
    {
        Events += other.Events;
        Clicks += other.Clicks;
        Conversions += other.Conversions;
        Rejected += other.Rejected;
        for (int i = 0; i < Outcomes.Length; i++)
        {
            Outcomes[i] += other.Outcomes[i];
        }
        for (int i = 0; i < Rejections.Length; i++)
        {
            Rejections[i] += other.Rejections[i];
        }
    }
}
