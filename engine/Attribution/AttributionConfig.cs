namespace Attribution.Engine.Attribution;

/// <summary>Settings that affect attribution results. Recorded in snapshot manifests.</summary>
public sealed record AttributionConfig
{
    /// <summary>One hour in milliseconds.</summary>
    public const long HourMs = 3_600_000L;

    /// <summary>Attribution window: a conversion matches a click at most this many ms older (inclusive). Default 24 h.</summary>
    public long WindowMs { get; init; } = 24 * HourMs;

    /// <summary>How far behind its partition's max event time an event may arrive and still see state. Default 1 h.</summary>
    public long AllowedLatenessMs { get; init; } = HourMs;

    /// <summary>How long an attributed conversion id is remembered for de-duplication; null = window + lateness.</summary>
    public long? ConversionRetentionMs { get; init; }

    /// <summary>Effective retention of attributed conversion ids.</summary>
    public long EffectiveConversionRetentionMs => ConversionRetentionMs ?? WindowMs + AllowedLatenessMs;

    /// <summary>Number of state partitions P when the partition is computed from user_id (replay, C ABI). Default 64.</summary>
    public int Partitions { get; init; } = 64;

    /// <summary>Clicks kept per (user, campaign) for out-of-order conversions (docs/SEMANTICS.md, rule 4). Default 4.</summary>
    public int ClickHistory { get; init; } = 4;

    /// <summary>Largest accepted input record in bytes; larger ones are rejected as oversized. Default 64 KiB.</summary>
    public int MaxRecordBytes { get; init; } = 64 * 1024;

    /// <summary>Default bound of the event-time guard: an event more than a week ahead of or behind its partition's event time is a clock outlier.</summary>
    public const long DefaultMaxClockSkewMs = 7 * 24 * HourMs;

    /// <summary>Most events a run of the event-time guard may need (they are kept per partition as part of its state).</summary>
    public const int MaxClockConfirmations = 8;

    /// <summary>
    /// Event-time guard (docs/SEMANTICS.md): how far ahead of or behind its partition's event time an event may lie
    /// and still be judged normally; null = the larger of a week and window + lateness. At least window + lateness.
    /// </summary>
    public long? MaxClockSkewMs { get; init; }

    /// <summary>Effective bound of the event-time guard.</summary>
    public long EffectiveMaxClockSkewMs => MaxClockSkewMs ?? Math.Max(DefaultMaxClockSkewMs, EventTime.AddSpans(WindowMs, AllowedLatenessMs));

    /// <summary>
    /// Event-time guard: events that must agree before a partition's event time is set (its first events) or jumps
    /// beyond the skew bound (that many consecutive events ahead). 1 turns the forward check off. Default 3.
    /// </summary>
    public int ClockConfirmations { get; init; } = 3;

    /// <summary>Bounds of <see cref="Partitions"/>.</summary>
    public static readonly SettingRange PartitionsRange = new(1, 65535);

    /// <summary>Bounds of <see cref="ClickHistory"/>: the click-history format keeps at most four clicks per key.</summary>
    public static readonly SettingRange ClickHistoryRange = new(1, 4);

    /// <summary>Bounds of <see cref="MaxRecordBytes"/> (256 bytes to 16 MiB).</summary>
    public static readonly SettingRange MaxRecordBytesRange = new(256, 16 * 1024 * 1024);

    /// <summary>Bounds of <see cref="ClockConfirmations"/>.</summary>
    public static readonly SettingRange ClockConfirmationsRange = new(1, MaxClockConfirmations);

    /// <summary>The window in hours as written in outputs' <c>attribution_window_hours</c>.</summary>
    public double WindowHours => WindowMs / (double)HourMs;

    /// <summary>Returns null when valid, else one sentence saying what is wrong and how to fix it.</summary>
    public string? Validate()
    {
        if (WindowMs <= 0)
        {
            return $"The attribution window must be positive, but it is {WindowMs} ms; pass e.g. --window-hours 24.";
        }
        if (AllowedLatenessMs < 0)
        {
            return $"The allowed lateness must be zero or positive, but it is {AllowedLatenessMs} ms.";
        }
        if (ConversionRetentionMs is { } r && r < WindowMs)
        {
            return $"The conversion-id retention ({r} ms) must be at least the attribution window ({WindowMs} ms), or duplicates could be attributed twice.";
        }
        if (!PartitionsRange.Contains(Partitions))
        {
            return $"The partition count must be between {PartitionsRange.Min} and {PartitionsRange.Max}, but it is {Partitions}.";
        }
        if (!ClickHistoryRange.Contains(ClickHistory))
        {
            return $"The click history per (user, campaign) must be between {ClickHistoryRange.Min} and {ClickHistoryRange.Max}, but it is {ClickHistory}.";
        }
        if (MaxClockSkewMs is { } skew && skew < EventTime.AddSpans(WindowMs, AllowedLatenessMs))
        {
            return $"The maximum clock skew ({skew} ms) must be at least the window plus the allowed lateness ({EventTime.AddSpans(WindowMs, AllowedLatenessMs)} ms), or events that can still be attributed would be rejected as clock outliers.";
        }
        if (!ClockConfirmationsRange.Contains(ClockConfirmations))
        {
            return $"The clock confirmations must be between 1 and {MaxClockConfirmations}, but it is {ClockConfirmations}.";
        }
        if (!MaxRecordBytesRange.Contains(MaxRecordBytes))
        {
            return $"The record size limit must be between 256 bytes and 16 MiB, but it is {MaxRecordBytes} bytes.";
        }
        return null;
    }
}
