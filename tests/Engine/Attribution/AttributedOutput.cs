using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>Every field of one attributed conversion (docs/SEMANTICS.md, wire formats) plus its partition; null = absent.</summary>
public sealed record AttributedOutput(
    int Partition,
    string ConversionId,
    string ClickId,
    string UserId,
    string AdId,
    string CampaignId,
    string Source,
    string? ConversionType,
    string? Value,
    long ClickTime,
    long ConversionTime)
{
    /// <summary>Captures what the core hands a sink.</summary>
    internal static AttributedOutput From(ref EventRecord conversion, scoped in ClickView click) => new(
        conversion.Partition,
        Text(ref conversion, conversion.EventId)!,
        Encoding.UTF8.GetString(click.EventId),
        Text(ref conversion, conversion.UserId)!,
        Encoding.UTF8.GetString(click.AdId),
        Text(ref conversion, conversion.CampaignId)!,
        Encoding.UTF8.GetString(click.Source),
        Text(ref conversion, conversion.ConversionType),
        Text(ref conversion, conversion.Value),
        click.Timestamp,
        conversion.Timestamp);

    private static string? Text(ref EventRecord record, Utf8Field field)
        => field.IsPresent ? Encoding.UTF8.GetString(record.Get(field)) : null;
}
