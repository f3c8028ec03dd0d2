using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Attribution;

/// <summary>
/// The attribution contract (docs/SEMANTICS.md) written the obvious way, for comparison with the
/// core: strings, dictionaries, lists, LINQ, 128-bit arithmetic so nothing can overflow. It shares
/// no code with the core (no keys, no byte encoding, no core helpers) and keeps every expired entry
/// forever, filtering at read time only, so it also checks that physical expiry is invisible.
/// </summary>
public sealed class ReferenceModel
{
    private readonly long _window;
    private readonly long _lateness;
    private readonly long _retention;
    private readonly int _history;

    private readonly Dictionary<int, long> _watermark = new();
    private readonly Dictionary<(int Partition, string User, string Campaign), List<SimEvent>> _clicks = new();
    private readonly Dictionary<(int Partition, string User, string ConversionId), long> _attributed = new();

    /// <summary>Creates a model for one configuration.</summary>
    public ReferenceModel(AttributionConfig config)
    {
        _window = config.WindowMs;
        _lateness = config.AllowedLatenessMs;
        _retention = config.ConversionRetentionMs ?? config.WindowMs + config.AllowedLatenessMs;
        _history = config.ClickHistory;
    }

    /// <summary>Outputs in emission order.</summary>
    public List<AttributedOutput> Outputs { get; } = new();

    /// <summary>Rejected lines per reason.</summary>
    public Dictionary<RejectReason, long> Rejections { get; } = new();

    /// <summary>Applies one stream item; returns what happened as the harness spells it.</summary>
    public string Apply(SimEvent item)
    {
        switch (item.Kind)
        {
            case SimKind.Expire:
                return AttributionRun.ExpireMark;
            case SimKind.Malformed:
                Rejections[item.ExpectedReject] = Rejections.GetValueOrDefault(item.ExpectedReject) + 1;
                return AttributionRun.RejectedMark(item.ExpectedReject);
            case SimKind.Click:
                return Click(item).ToString();
            default:
                return Conversion(item).ToString();
        }
    }

    private long AdvanceWatermark(SimEvent e)
    {
        long w = Math.Max(_watermark.GetValueOrDefault(e.Partition, long.MinValue), e.Timestamp);
        _watermark[e.Partition] = w;
        return w;
    }

    private AttributionOutcome Click(SimEvent e)
    {
        Int128 horizon = (Int128)AdvanceWatermark(e) - _window - _lateness;
        if (e.Timestamp < horizon)
        {
            return AttributionOutcome.ClickExpiredOnArrival;
        }
        var key = (e.Partition, e.UserId, e.CampaignId);
        List<SimEvent> stored = _clicks.GetValueOrDefault(key) ?? new List<SimEvent>();
        List<SimEvent> next = stored
            .Where(c => c.Timestamp >= horizon && c.Timestamp != e.Timestamp)
            .Append(e)
            .OrderBy(c => c.Timestamp)
            .ToList();
        while (next.Count > _history)
        {
            if (ReferenceEquals(next[0], e))
            {
                return AttributionOutcome.ClickTooOld;
            }
            next.RemoveAt(0);
        }
        _clicks[key] = next;
        return AttributionOutcome.ClickStored;
    }

    private AttributionOutcome Conversion(SimEvent e)
    {
        long w = AdvanceWatermark(e);
        var idKey = (e.Partition, e.UserId, e.EventId);
        if (_attributed.TryGetValue(idKey, out long rememberedTs) && rememberedTs >= (Int128)w - _retention)
        {
            return AttributionOutcome.DuplicateConversion;
        }
        Int128 horizon = (Int128)w - _window - _lateness;
        List<SimEvent> live = (_clicks.GetValueOrDefault((e.Partition, e.UserId, e.CampaignId)) ?? new List<SimEvent>())
            .Where(c => c.Timestamp >= horizon)
            .ToList();
        if (live.Count == 0)
        {
            return AttributionOutcome.NoClick;
        }
        SimEvent? click = live.Where(c => c.Timestamp <= e.Timestamp).MaxBy(c => c.Timestamp);
        if (click is null)
        {
            return AttributionOutcome.ClickAfterConversion;
        }
        if ((Int128)e.Timestamp - click.Timestamp > _window)
        {
            return AttributionOutcome.ClickOutsideWindow;
        }
        Outputs.Add(new AttributedOutput(e.Partition, e.EventId, click.EventId, e.UserId, click.AdId!, e.CampaignId,
            click.Source!, e.ConversionType, e.Value, click.Timestamp, e.Timestamp));
        _attributed[idKey] = e.Timestamp;
        return AttributionOutcome.Attributed;
    }
}
