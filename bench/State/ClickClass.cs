namespace Attribution.Bench.State;

/// <summary>
/// The baseline's value: a last click as most teams would keep it, a class of strings in a
/// <c>Dictionary&lt;string, ClickClass&gt;</c> keyed by "partition|user|campaign".
/// </summary>
public sealed class ClickClass
{
    /// <summary>Click event id.</summary>
    public required string EventId { get; init; }

    /// <summary>Ad id.</summary>
    public required string AdId { get; init; }

    /// <summary>Traffic source.</summary>
    public required string Source { get; init; }

    /// <summary>Event time, epoch ms.</summary>
    public long Timestamp { get; init; }
}
