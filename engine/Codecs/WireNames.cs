using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>The UTF-8 field names and constant values of the wire formats, shared by JSON and MessagePack.</summary>
internal static class WireNames
{
    public static ReadOnlySpan<byte> EventType => "event_type"u8;
    public static ReadOnlySpan<byte> EventId => "event_id"u8;
    public static ReadOnlySpan<byte> UserId => "user_id"u8;
    public static ReadOnlySpan<byte> CampaignId => "campaign_id"u8;
    public static ReadOnlySpan<byte> AdId => "ad_id"u8;
    public static ReadOnlySpan<byte> Source => "source"u8;
    public static ReadOnlySpan<byte> Type => "type"u8;
    public static ReadOnlySpan<byte> Value => "value"u8;
    public static ReadOnlySpan<byte> Timestamp => "timestamp"u8;

    public static ReadOnlySpan<byte> Click => "click"u8;
    public static ReadOnlySpan<byte> Conversion => "conversion"u8;
    public static ReadOnlySpan<byte> AttributedConversion => "attributed_conversion"u8;

    public static ReadOnlySpan<byte> ConversionId => "conversion_id"u8;
    public static ReadOnlySpan<byte> ClickId => "click_id"u8;
    public static ReadOnlySpan<byte> ConversionType => "conversion_type"u8;
    public static ReadOnlySpan<byte> ClickTime => "click_time"u8;
    public static ReadOnlySpan<byte> ConversionTime => "conversion_time"u8;
    public static ReadOnlySpan<byte> AttributionWindowHours => "attribution_window_hours"u8;

    /// <summary>Longest known input field name ("campaign_id").</summary>
    public const int LongestFieldName = 11;

    /// <summary>Maps an (unescaped) field name to a known field, or <see cref="RecordField.None"/>.</summary>
    public static RecordField Lookup(ReadOnlySpan<byte> name)
    {
        // Dispatch on length first: every known name has a distinct length except ad_id/value.
        switch (name.Length)
        {
            case 4:
                return name.SequenceEqual(Type) ? RecordField.Type : RecordField.None;
            case 5:
                return name.SequenceEqual(AdId) ? RecordField.AdId
                    : name.SequenceEqual(Value) ? RecordField.Value : RecordField.None;
            case 6:
                return name.SequenceEqual(Source) ? RecordField.Source : RecordField.None;
            case 7:
                return name.SequenceEqual(UserId) ? RecordField.UserId : RecordField.None;
            case 8:
                return name.SequenceEqual(EventId) ? RecordField.EventId : RecordField.None;
            case 9:
                return name.SequenceEqual(Timestamp) ? RecordField.Timestamp : RecordField.None;
            case 10:
                return name.SequenceEqual(EventType) ? RecordField.EventType : RecordField.None;
            case 11:
                return name.SequenceEqual(CampaignId) ? RecordField.CampaignId : RecordField.None;
            default:
                return RecordField.None;
        }
    }
}
