using System.Globalization;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>What a stream item is.</summary>
public enum SimKind
{
    /// <summary>A click event.</summary>
    Click,
    /// <summary>A conversion event.</summary>
    Conversion,
    /// <summary>Not an event: the harness calls the core's physical expiry here (never changes outputs).</summary>
    Expire,
    /// <summary>A bad input line; <see cref="SimEvent.ExpectedReject"/> says why the decoder must reject it.</summary>
    Malformed,
}

/// <summary>
/// One item of a test stream, in plain strings: the input of both the core (through a
/// <see cref="SimEventDecoder"/>) and the <see cref="ReferenceModel"/>. Null optional fields are absent.
/// </summary>
public sealed record SimEvent(
    SimKind Kind,
    int Partition,
    string EventId,
    string UserId,
    string CampaignId,
    long Timestamp,
    string? AdId = null,
    string? Source = null,
    string? ConversionType = null,
    string? Value = null,
    string? RawLine = null,
    RejectReason ExpectedReject = RejectReason.None)
{
    /// <summary>A click.</summary>
    public static SimEvent Click(string eventId, string user, string campaign, long ts, string ad = "ad-1", string source = "facebook", int partition = 0)
        => new(SimKind.Click, partition, eventId, user, campaign, ts, AdId: ad, Source: source);

    /// <summary>A conversion.</summary>
    public static SimEvent Conversion(string eventId, string user, string campaign, long ts, string? type = "purchase", string? value = "19.99", string? source = null, int partition = 0)
        => new(SimKind.Conversion, partition, eventId, user, campaign, ts, Source: source, ConversionType: type, Value: value);

    /// <summary>A physical-expiry point.</summary>
    public static SimEvent ExpireNow() => new(SimKind.Expire, 0, "", "", "", 0);

    /// <summary>A bad line the decoder must reject with <paramref name="reason"/>.</summary>
    public static SimEvent Bad(string rawLine, RejectReason reason, int partition = 0)
        => new(SimKind.Malformed, partition, "", "", "", 0, RawLine: rawLine, ExpectedReject: reason);

    /// <summary>One readable line (used to print shrunk reproductions).</summary>
    public override string ToString() => Kind switch
    {
        SimKind.Click => string.Create(CultureInfo.InvariantCulture,
            $"p{Partition} click      id={EventId} user={UserId} campaign={CampaignId} ts={Timestamp} ad={AdId} source={Source}"),
        SimKind.Conversion => string.Create(CultureInfo.InvariantCulture,
            $"p{Partition} conversion id={EventId} user={UserId} campaign={CampaignId} ts={Timestamp} type={ConversionType ?? "-"} value={Value ?? "-"}"),
        SimKind.Expire => "expire",
        _ => $"p{Partition} bad line {RawLine} (expect {RejectReasons.Name(ExpectedReject)})",
    };
}
