namespace Attribution.Engine.Events;

/// <summary>Wire names of <see cref="RecordField"/> values, as they appear in the input and in dead letters.</summary>
public static class RecordFieldNames
{
    /// <summary>The field's name in the input (<c>timestamp</c>, <c>user_id</c>, ...); null for <see cref="RecordField.None"/>.</summary>
    // The literals restate the decoders' UTF-8 names on purpose: deriving strings from those bytes would allocate.
    public static string? Name(RecordField field) => field switch
    {
        RecordField.EventType => "event_type",
        RecordField.EventId => "event_id",
        RecordField.UserId => "user_id",
        RecordField.CampaignId => "campaign_id",
        RecordField.AdId => "ad_id",
        RecordField.Source => "source",
        RecordField.Type => "type",
        RecordField.Value => "value",
        RecordField.Timestamp => "timestamp",
        _ => null,
    };
}
