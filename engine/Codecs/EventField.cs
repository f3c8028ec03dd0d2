namespace Attribution.Engine.Codecs;

/// <summary>The known fields of an input event (docs/SEMANTICS.md, wire formats); anything else is skipped.</summary>
internal enum EventField : byte
{
    EventType = 0,
    EventId = 1,
    UserId = 2,
    CampaignId = 3,
    AdId = 4,
    Source = 5,
    Type = 6,
    Value = 7,
    Timestamp = 8,
    /// <summary>Not a known field name.</summary>
    Unknown = 255,
}
