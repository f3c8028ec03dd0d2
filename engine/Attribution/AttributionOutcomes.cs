namespace Attribution.Engine.Attribution;

/// <summary>Names and count of <see cref="AttributionOutcome"/> values.</summary>
public static class AttributionOutcomes
{
    /// <summary>Number of outcome values; sizes counter arrays.</summary>
    public const int Count = 8;

    /// <summary>The snake_case name of an outcome (stable, used in summaries and metrics).</summary>
    public static string Name(AttributionOutcome outcome) => outcome switch
    {
        AttributionOutcome.ClickStored => "click_stored",
        AttributionOutcome.ClickTooOld => "click_too_old",
        AttributionOutcome.ClickExpiredOnArrival => "click_expired_on_arrival",
        AttributionOutcome.Attributed => "attributed",
        AttributionOutcome.DuplicateConversion => "duplicate_conversion",
        AttributionOutcome.NoClick => "no_click",
        AttributionOutcome.ClickAfterConversion => "click_after_conversion",
        AttributionOutcome.ClickOutsideWindow => "click_outside_window",
        _ => "unknown",
    };
}
