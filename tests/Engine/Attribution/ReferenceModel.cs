using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// The attribution contract (docs/SEMANTICS.md) written the obvious way, for comparison with the
/// core: strings, dictionaries, lists, LINQ, 128-bit arithmetic so nothing can overflow. It shares
/// no code with the core (no keys, no byte encoding, no core helpers) and keeps every expired entry
/// forever, filtering at read time only, so it also checks that physical expiry is invisible.
/// With <c>guarded</c> it applies the event-time guard first, as the engine's Submit does (written from
/// docs/SEMANTICS.md with lists and 128-bit arithmetic, not from the engine's EventTimeGuard).
/// </summary>
public sealed class ReferenceModel
{
    private readonly long _window;
    private readonly long _lateness;
    private readonly long _retention;
    private readonly int _history;
    private readonly bool _guarded;
    private readonly long _skew;
    private readonly int _confirmations;

    private readonly Dictionary<int, long> _watermark = new();
    // The guard: per partition its event time (absent or int64 minimum = none yet) and its pending timestamps.
    private readonly Dictionary<int, long> _guardTime = new();
    private readonly Dictionary<int, List<long>> _guardPending = new();
    private readonly Dictionary<(int Partition, string User, string Campaign), List<SimEvent>> _clicks = new();
    private readonly Dictionary<(int Partition, string User, string ConversionId), long> _attributed = new();

    /// <summary>Creates a model for one configuration.</summary>
    public ReferenceModel(AttributionConfig config, bool guarded = false)
    {
        _guarded = guarded;
        _skew = config.MaxClockSkewMs ?? Math.Max(7 * 24 * AttributionConfig.HourMs, config.WindowMs + config.AllowedLatenessMs);
        _confirmations = config.ClockConfirmations;
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
        }
        long w;
        if (!_guarded)
        {
            w = Math.Max(_watermark.GetValueOrDefault(item.Partition, long.MinValue), item.Timestamp);
            _watermark[item.Partition] = w;
        }
        else if (GuardedWatermark(item) is { } judged)
        {
            w = judged;
        }
        else
        {
            Rejections[RejectReason.ClockSkew] = Rejections.GetValueOrDefault(RejectReason.ClockSkew) + 1;
            return AttributionRun.RejectedMark(RejectReason.ClockSkew);
        }
        return item.Kind == SimKind.Click ? Click(item, w).ToString() : Conversion(item, w).ToString();
    }

    /// <summary>The guard's verdict: the watermark the event is judged against, or null when it is a clock outlier.</summary>
    private long? GuardedWatermark(SimEvent e)
    {
        long t = e.Timestamp;
        bool Agree(long a, long b) => Int128.Abs((Int128)a - b) <= _skew;
        List<long> pending = _guardPending.TryGetValue(e.Partition, out var list) ? list : _guardPending[e.Partition] = new List<long>();
        long w = _guardTime.GetValueOrDefault(e.Partition, long.MinValue);
        if (w == long.MinValue)
        {
            // No event time yet: accept, judge against the pending events that agree with this one, and once
            // J are pending set the event time from those agreeing with their (lower) median.
            pending.Add(t);
            if (pending.Count < _confirmations)
            {
                return pending.Where(x => Agree(x, t)).Max();
            }
            long median = pending.Order().ElementAt((_confirmations - 1) / 2);
            long agreed = pending.Where(x => Agree(x, median)).Max();
            pending.Clear();
            _guardTime[e.Partition] = agreed;
            return agreed;
        }
        if ((Int128)t < (Int128)w - _skew)
        {
            return null;
        }
        if ((Int128)t <= (Int128)w + _skew)
        {
            pending.Clear();
            long raised = Math.Max(w, t);
            _guardTime[e.Partition] = raised;
            return raised;
        }
        if (pending.Count > 0 && Agree(pending[0], t))
        {
            pending.Add(t);
        }
        else
        {
            pending.Clear();
            pending.Add(t);
        }
        if (pending.Count < _confirmations)
        {
            return null;
        }
        pending.Clear();
        _guardTime[e.Partition] = t;
        return t;
    }

    private AttributionOutcome Click(SimEvent e, long watermark)
    {
        Int128 horizon = (Int128)watermark - _window - _lateness;
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

    private AttributionOutcome Conversion(SimEvent e, long w)
    {
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
