using System.Text.Json.Serialization;

namespace Attribution.Bench.Baseline;

/// <summary>The attributed-conversion output (docs/SEMANTICS.md, wire formats), serialized by <c>JsonSerializer</c>.</summary>
public sealed class AttributedClass
{
    /// <summary>Always attributed_conversion.</summary>
    [JsonPropertyName("event_type")] public string EventType { get; init; } = "attributed_conversion";
    /// <summary>The conversion's event id.</summary>
    [JsonPropertyName("conversion_id")] public string? ConversionId { get; init; }
    /// <summary>The click's event id.</summary>
    [JsonPropertyName("click_id")] public string? ClickId { get; init; }
    /// <summary>The user.</summary>
    [JsonPropertyName("user_id")] public string? UserId { get; init; }
    /// <summary>The click's ad.</summary>
    [JsonPropertyName("ad_id")] public string? AdId { get; init; }
    /// <summary>The campaign.</summary>
    [JsonPropertyName("campaign_id")] public string? CampaignId { get; init; }
    /// <summary>The click's source.</summary>
    [JsonPropertyName("source")] public string? Source { get; init; }
    /// <summary>The conversion's type.</summary>
    [JsonPropertyName("conversion_type")] public string? ConversionType { get; init; }
    /// <summary>The conversion's value.</summary>
    [JsonPropertyName("value")] public decimal? Value { get; init; }
    /// <summary>The click's timestamp.</summary>
    [JsonPropertyName("click_time")] public long ClickTime { get; init; }
    /// <summary>The conversion's timestamp.</summary>
    [JsonPropertyName("conversion_time")] public long ConversionTime { get; init; }
    /// <summary>The window in hours.</summary>
    [JsonPropertyName("attribution_window_hours")] public int AttributionWindowHours { get; init; }
}
