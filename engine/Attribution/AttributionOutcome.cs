namespace Attribution.Engine.Attribution;

/// <summary>
/// What the attribution core did with one event (docs/SEMANTICS.md). Values are stable: they
/// index <see cref="AttributionCounters.Outcomes"/> and appear in metrics and the C ABI.
/// </summary>
public enum AttributionOutcome : byte
{
    /// <summary>The click was stored in its (user, campaign) history. No output.</summary>
    ClickStored = 0,
    /// <summary>The click is older than every click of a full history (out of order beyond the history). Not stored.</summary>
    ClickTooOld = 1,
    /// <summary>The click is older than its partition's click horizon (watermark − window − lateness). Not stored.</summary>
    ClickExpiredOnArrival = 2,
    /// <summary>The conversion was attributed to a click; one output was emitted.</summary>
    Attributed = 3,
    /// <summary>The conversion's event_id was already attributed for this user (and is still remembered). No output.</summary>
    DuplicateConversion = 4,
    /// <summary>No live click of the conversion's (user, campaign). No output.</summary>
    NoClick = 5,
    /// <summary>Live clicks exist, but all are later than the conversion. No output.</summary>
    ClickAfterConversion = 6,
    /// <summary>The latest click at or before the conversion is more than the window older. No output.</summary>
    ClickOutsideWindow = 7,
}
