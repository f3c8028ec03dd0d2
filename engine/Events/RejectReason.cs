namespace Attribution.Engine.Events;

/// <summary>
/// Why an input record was rejected. Every rejected record is counted under exactly one reason
/// and (in the host and replay) dead-lettered with it. Values are stable: they index counter
/// arrays and appear in the C ABI.
/// </summary>
public enum RejectReason : byte
{
    /// <summary>Not rejected.</summary>
    None = 0,
    /// <summary>The bytes are not valid JSON (or not valid MessagePack for the binary format).</summary>
    InvalidJson = 1,
    /// <summary>The record is not a JSON object at the top level.</summary>
    NotAnObject = 2,
    /// <summary><c>event_type</c> is absent.</summary>
    MissingEventType = 3,
    /// <summary><c>event_type</c> is neither <c>click</c> nor <c>conversion</c>.</summary>
    UnknownEventType = 4,
    /// <summary>A required field (<c>event_id</c>, <c>user_id</c>, <c>campaign_id</c>, <c>timestamp</c>; for clicks <c>ad_id</c>, <c>source</c>) is absent.</summary>
    MissingField = 5,
    /// <summary>A known field has the wrong JSON type (e.g. a string timestamp, a non-integer timestamp).</summary>
    WrongType = 6,
    /// <summary>The bytes are not valid UTF-8.</summary>
    InvalidUtf8 = 7,
    /// <summary>The record is larger than the configured record size limit.</summary>
    Oversized = 8,
    /// <summary>A string field is longer than its fixed slot (see <see cref="EventRecord"/> limits).</summary>
    FieldTooLong = 9,
    /// <summary>A required string field is empty.</summary>
    EmptyField = 10,
    /// <summary>A known field name appears more than once in the record (which value to trust is ambiguous).</summary>
    DuplicateField = 11,
    /// <summary>
    /// The event's timestamp lies further ahead of (or behind) its partition's event time than the configured
    /// skew allows, and no run of agreeing events confirmed it (docs/SEMANTICS.md, event-time guard).
    /// </summary>
    ClockSkew = 12,
}

/// <summary>Names of <see cref="RejectReason"/> values as they appear in summaries, metrics and dead letters.</summary>
public static class RejectReasons
{
    /// <summary>Number of reason values including <see cref="RejectReason.None"/>; sizes counter arrays.</summary>
    public const int Count = 13;

    /// <summary>The snake_case name of a reason (stable, used in dead letters and metrics).</summary>
    public static string Name(RejectReason reason) => reason switch
    {
        RejectReason.None => "none",
        RejectReason.InvalidJson => "invalid_json",
        RejectReason.NotAnObject => "not_an_object",
        RejectReason.MissingEventType => "missing_event_type",
        RejectReason.UnknownEventType => "unknown_event_type",
        RejectReason.MissingField => "missing_field",
        RejectReason.WrongType => "wrong_type",
        RejectReason.InvalidUtf8 => "invalid_utf8",
        RejectReason.Oversized => "oversized",
        RejectReason.FieldTooLong => "field_too_long",
        RejectReason.EmptyField => "empty_field",
        RejectReason.DuplicateField => "duplicate_field",
        RejectReason.ClockSkew => "clock_skew",
        _ => "unknown",
    };
}
