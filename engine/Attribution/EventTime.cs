namespace Attribution.Engine.Attribution;

/// <summary>Event-time arithmetic that cannot overflow on extreme (but valid int64) timestamps.</summary>
internal static class EventTime
{
    /// <summary>
    /// <paramref name="watermark"/> − <paramref name="span"/>, clamped at <see cref="long.MinValue"/>
    /// (a horizon below every timestamp: nothing expired). <paramref name="span"/> ≥ 0.
    /// </summary>
    public static long Horizon(long watermark, long span)
        => watermark < long.MinValue + span ? long.MinValue : watermark - span;

    /// <summary>a + b for non-negative spans, clamped at <see cref="long.MaxValue"/>.</summary>
    public static long AddSpans(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
