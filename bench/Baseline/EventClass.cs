using System.Text.Json;
using System.Text.Json.Serialization;

namespace Attribution.Bench.Baseline;

/// <summary>An upstream event as a conventional service models it: one class for both kinds, strings and a decimal.</summary>
public sealed class EventClass
{
    /// <summary>click or conversion.</summary>
    [JsonPropertyName("event_type")] public string? EventType { get; set; }
    /// <summary>The event id.</summary>
    [JsonPropertyName("event_id")] public string? EventId { get; set; }
    /// <summary>The user (the Kafka key upstream).</summary>
    [JsonPropertyName("user_id")] public string? UserId { get; set; }
    /// <summary>The campaign.</summary>
    [JsonPropertyName("campaign_id")] public string? CampaignId { get; set; }
    /// <summary>The ad (clicks).</summary>
    [JsonPropertyName("ad_id")] public string? AdId { get; set; }
    /// <summary>Where the event came from.</summary>
    [JsonPropertyName("source")] public string? Source { get; set; }
    /// <summary>The conversion type (conversions).</summary>
    [JsonPropertyName("type")] public string? Type { get; set; }
    /// <summary>Exact decimal, so 19.90 stays 19.90 on output.</summary>
    [JsonPropertyName("value")] public decimal? Value { get; set; }
    /// <summary>Epoch milliseconds.</summary>
    [JsonPropertyName("timestamp")] public long Timestamp { get; set; }
    /// <summary>Any JSON, as the wire format allows.</summary>
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; set; }
}
