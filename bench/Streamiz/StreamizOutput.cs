using System.Buffers;
using System.Text;
using System.Text.Json;
using Attribution.Bench.Baseline;

namespace Attribution.Bench.Streamiz;

/// <summary>The Streamiz job's output: the attributed conversion as JSON, fields in the contract's fixed order (docs/SEMANTICS.md).</summary>
internal static class StreamizOutput
{
    /// <summary>Writes the attribution of conversion <paramref name="e"/> to <paramref name="click"/>.</summary>
    public static string Write(EventClass e, ClickClass click, int windowHours)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event_type", "attributed_conversion");
            json.WriteString("conversion_id", e.EventId);
            json.WriteString("click_id", click.EventId);
            json.WriteString("user_id", e.UserId);
            json.WriteString("ad_id", click.AdId);
            json.WriteString("campaign_id", e.CampaignId);
            json.WriteString("source", click.Source);
            json.WriteString("conversion_type", e.Type); // null writes null, as the contract's absent type
            if (e.Value is { } value)
            {
                json.WriteNumber("value", value); // decimal keeps its scale: 50.00 stays 50.00
            }
            else
            {
                json.WriteNull("value");
            }
            json.WriteNumber("click_time", click.Timestamp);
            json.WriteNumber("conversion_time", e.Timestamp);
            json.WriteNumber("attribution_window_hours", windowHours);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
