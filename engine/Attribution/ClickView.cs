namespace Attribution.Engine.Attribution;

/// <summary>The stored click a conversion was attributed to, as spans over state bytes (valid only during the callback).</summary>
internal readonly ref struct ClickView
{
    /// <summary>Creates a view.</summary>
    public ClickView(ReadOnlySpan<byte> eventId, ReadOnlySpan<byte> adId, ReadOnlySpan<byte> source, long timestamp)
    {
        EventId = eventId;
        AdId = adId;
        Source = source;
        Timestamp = timestamp;
    }

    /// <summary>The click's <c>event_id</c>.</summary>
    public ReadOnlySpan<byte> EventId { get; }
    /// <summary>The click's <c>ad_id</c>.</summary>
    public ReadOnlySpan<byte> AdId { get; }
    /// <summary>The click's <c>source</c> (the output's <c>source</c>).</summary>
    public ReadOnlySpan<byte> Source { get; }
    /// <summary>The click's event time, epoch ms.</summary>
    public long Timestamp { get; }
}
