namespace Attribution.Engine.Events;

/// <summary>
/// The input field a rejection is about (dead letters name it), or <see cref="None"/> when the reason
/// concerns the whole record (invalid JSON, oversized, ...). Values are stable.
/// </summary>
public enum RecordField : byte
{
    /// <summary>No single field (or the record was accepted).</summary>
    None = 0,
    /// <summary><c>event_type</c>.</summary>
    EventType = 1,
    /// <summary><c>event_id</c>.</summary>
    EventId = 2,
    /// <summary><c>user_id</c>.</summary>
    UserId = 3,
    /// <summary><c>campaign_id</c>.</summary>
    CampaignId = 4,
    /// <summary><c>ad_id</c>.</summary>
    AdId = 5,
    /// <summary><c>source</c>.</summary>
    Source = 6,
    /// <summary><c>type</c> (conversions).</summary>
    Type = 7,
    /// <summary><c>value</c> (conversions).</summary>
    Value = 8,
    /// <summary><c>timestamp</c>.</summary>
    Timestamp = 9,
}
