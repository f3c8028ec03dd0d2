using System.Text.Json;
using System.Text.Json.Serialization;

namespace Attribution.Bench.Codecs;

/// <summary>The conventional decoding target: a class per event, strings allocated, read by <c>JsonSerializer</c> (baseline only).</summary>
public sealed class ClickClass
{
    [JsonPropertyName("event_type")] public string? EventType { get; set; }
    [JsonPropertyName("event_id")] public string? EventId { get; set; }
    [JsonPropertyName("user_id")] public string? UserId { get; set; }
    [JsonPropertyName("campaign_id")] public string? CampaignId { get; set; }
    [JsonPropertyName("ad_id")] public string? AdId { get; set; }
    [JsonPropertyName("source")] public string? Source { get; set; }
    [JsonPropertyName("timestamp")] public long Timestamp { get; set; }
    /// <summary>Any JSON, as the wire format allows.</summary>
    [JsonPropertyName("metadata")] public JsonElement? Metadata { get; set; }
}
