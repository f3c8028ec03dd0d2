namespace Attribution.Bench.Baseline;

/// <summary>The last click of a (user, campaign), as the baseline keeps it.</summary>
public sealed class ClickClass
{
    public required string EventId { get; init; }
    public required string AdId { get; init; }
    public required string Source { get; init; }
    /// <summary>Epoch milliseconds.</summary>
    public long Timestamp { get; init; }
}
