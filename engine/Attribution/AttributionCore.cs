using Attribution.Engine.Events;
using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// The attribution contract (docs/SEMANTICS.md) for the partitions one thread owns.
/// State lives only in two <see cref="IStateTable"/>s (click histories, attributed conversion ids)
/// plus the <see cref="Watermarks"/>; expiry is decided at read time from event time, so when
/// <see cref="Expire"/> runs never changes an output. Not thread-safe and not re-entrant; a
/// <see cref="Process{TSink}"/> call allocates nothing (the tables may, see their docs).
/// </summary>
/// <typeparam name="TTable">The table type; generic so the JIT calls it directly.</typeparam>
internal sealed class AttributionCore<TTable> where TTable : class, IStateTable
{
    private readonly TTable _clicks;
    private readonly TTable _conversions;
    private readonly long _window;
    private readonly long _clickSpan;
    private readonly long _retention;

    // Scratch owned by the single caller thread; sized once so the hot path never allocates.
    private readonly byte[] _clickKey = new byte[IStateTable.MaxKeyBytes];
    private readonly byte[] _conversionKey = new byte[IStateTable.MaxKeyBytes];
    private readonly byte[] _stored = new byte[IStateTable.MaxValueBytes];
    private readonly byte[] _conversionValue = new byte[IStateTable.MaxValueBytes];
    // Prefetch's own key buffer: it runs for an event ahead, between the steps of Process on the current one.
    private readonly byte[] _prefetchKey = new byte[IStateTable.MaxKeyBytes];
    private readonly long[] _timestamps = new long[ClickHistoryFormat.MaxEntries];
    private readonly int[] _starts = new int[ClickHistoryFormat.MaxEntries];
    private readonly int[] _lengths = new int[ClickHistoryFormat.MaxEntries];
    private readonly ClickMerger _clickMerger;
    private readonly ConversionMerger _conversionMerger = new();
    // The incremental expiry pass in progress (ExpireStep): whether it started, each table's step size,
    // and which table finished its part.
    private bool _expiryPassActive;
    private long _clickStepBytes;
    private long _conversionStepBytes;
    private bool _clickPassDone;
    private bool _conversionPassDone;
    // Expiry floors: a lower bound of the expiry timestamp of every stored entry (a click history's newest click, a
    // remembered conversion's time), or long.MinValue when unknown (state recovered or imported and not yet swept).
    // While every partition's horizon is at or below a table's floor, nothing in it can expire and a pass would only
    // read the whole log for nothing (ExpiryMayRemove). Every write folds its timestamp in; a completed pass sets the
    // floor to the smallest timestamp it kept or that was written while it ran. The floors only decide when a pass
    // is worth starting: expiry never changes outputs, so a floor that were too high would only keep memory longer.
    private long _clickFloor;
    private long _conversionFloor;
    private long _clickPassMin;
    private long _conversionPassMin;

    /// <summary>Smallest step of <see cref="ExpireStep"/> per table, in bytes of stored records (about 100 click histories).</summary>
    public const long MinExpiryStepBytes = 16 * 1024;

    /// <summary>Creates a core over two empty (or restored) tables.</summary>
    /// <exception cref="ArgumentException">The configuration is invalid (message says why).</exception>
    public AttributionCore(AttributionConfig config, TTable clicks, TTable conversions)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(clicks);
        ArgumentNullException.ThrowIfNull(conversions);
        if (ReferenceEquals(clicks, conversions))
        {
            throw new ArgumentException("The click and conversion tables must be two different tables.", nameof(conversions));
        }
        if (config.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(config));
        }
        Config = config;
        _clicks = clicks;
        _conversions = conversions;
        _window = config.WindowMs;
        _clickSpan = EventTime.AddSpans(config.WindowMs, config.AllowedLatenessMs);
        _retention = config.EffectiveConversionRetentionMs;
        _clickMerger = new ClickMerger(config.ClickHistory);
        Watermarks = new PartitionWatermarks(config.Partitions);
        // Empty tables hold nothing that could expire; recovered ones are unknown until their first pass.
        _clickFloor = clicks.StoredBytes == 0 ? long.MaxValue : long.MinValue;
        _conversionFloor = conversions.StoredBytes == 0 ? long.MaxValue : long.MinValue;
    }

    /// <summary>The configuration in force.</summary>
    public AttributionConfig Config { get; }

    /// <summary>Event counts (also where rejected records are counted).</summary>
    public AttributionCounters Counters { get; } = new();

    /// <summary>Per-partition watermarks (part of the state: snapshot them with the tables).</summary>
    public PartitionWatermarks Watermarks { get; }

    /// <summary>The click-history table.</summary>
    public TTable Clicks => _clicks;

    /// <summary>The attributed-conversion-id table.</summary>
    public TTable Conversions => _conversions;

    /// <summary>
    /// Applies one decoded event of partition <c>e.Partition</c>: advances that partition's watermark,
    /// then the click or conversion rules. Calls <paramref name="sink"/> once when a conversion is attributed.
    /// </summary>
    /// <exception cref="ArgumentException">The record is not a decoded click/conversion within the field limits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The partition is outside 0..65535.</exception>
    public AttributionOutcome Process<TSink>(ref EventRecord e, ref TSink sink) where TSink : struct, IAttributionSink
    {
        AttributionOutcome outcome;
        if (e.Kind == EventKind.Click)
        {
            outcome = ProcessClick(ref e);
            Counters.RecordOutcome(outcome, isClick: true);
        }
        else if (e.Kind == EventKind.Conversion)
        {
            outcome = ProcessConversion(ref e, ref sink);
            Counters.RecordOutcome(outcome, isClick: false);
        }
        else
        {
            AttributionThrowHelper.ThrowBadRecord($"its kind is {e.Kind}");
            outcome = default;
        }
        return outcome;
    }

    /// <summary>
    /// Physically deletes expired state: click histories whose newest click is below the horizon and
    /// remembered conversion ids past retention. Never changes outputs (readers already ignore them).
    /// Returns the number of entries removed. Not on the per-event path; call it e.g. every few seconds.
    /// </summary>
    public long Expire()
    {
        var clicks = new ExpirySweeper<ClickHistoryTimestamp>(Watermarks, _clickSpan);
        var conversions = new ExpirySweeper<RememberedConversionTimestamp>(Watermarks, _retention);
        long removed = _clicks.Sweep(ref clicks) + _conversions.Sweep(ref conversions);
        // A whole sweep visits every live entry with nothing written meanwhile. Its compaction may move records an
        // incremental pass in progress has yet to visit, so that pass's minimum no longer covers them.
        _clickFloor = clicks.KeptMin;
        _conversionFloor = conversions.KeptMin;
        _clickPassMin = _conversionPassMin = long.MinValue;
        return removed;
    }

    /// <summary>
    /// False when no stored entry can have expired at watermark <paramref name="maxWatermark"/> (the largest of the
    /// partitions' watermarks): every horizon is still at or below the smallest timestamp stored, so an expiry pass
    /// would remove nothing. True when that is not known (state recovered or imported and not swept since).
    /// </summary>
    public bool ExpiryMayRemove(long maxWatermark)
        => _clickFloor == long.MinValue || _conversionFloor == long.MinValue
            || EventTime.Horizon(maxWatermark, _clickSpan) > _clickFloor
            || EventTime.Horizon(maxWatermark, _retention) > _conversionFloor;

    /// <summary>Entries were written into the tables other than by <see cref="Process{TSink}"/> (a partition import): the expiry floors are unknown until the next pass.</summary>
    internal void ForgetExpiryFloors()
    {
        _clickFloor = _conversionFloor = long.MinValue;
        _clickPassMin = _conversionPassMin = long.MinValue;
    }

    /// <summary>
    /// About how many <see cref="ExpireStep"/> calls the pass in progress takes (set by its first step): fewer than
    /// asked for when the state is small, since no step is shorter than <see cref="MinExpiryStepBytes"/>.
    /// </summary>
    public long ExpiryPassSteps { get; private set; }

    private static long CeilingSteps(long bytes, long stepBytes) => (bytes + stepBytes - 1) / stepBytes;

    /// <summary>
    /// One bounded step of incremental expiry: removes what <see cref="Expire"/> would, a little at a time.
    /// A pass over a table is cut into about <paramref name="stepsPerPass"/> steps (of at least
    /// <see cref="MinExpiryStepBytes"/> of stored records each), sized when the pass starts. Returns true
    /// when this step completed a pass over both tables (every entry expired when the pass began is then
    /// gone). Never changes outputs, like <see cref="Expire"/>.
    /// </summary>
    public bool ExpireStep(long stepsPerPass, out long removed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepsPerPass, 1L);
        removed = 0;
        if (!_expiryPassActive)
        {
            _expiryPassActive = true;
            _clickPassMin = long.MaxValue;
            _conversionPassMin = long.MaxValue;
            _clickStepBytes = Math.Max(MinExpiryStepBytes, _clicks.StoredBytes / stepsPerPass);
            _conversionStepBytes = Math.Max(MinExpiryStepBytes, _conversions.StoredBytes / stepsPerPass);
            ExpiryPassSteps = Math.Max(1, Math.Max(CeilingSteps(_clicks.StoredBytes, _clickStepBytes), CeilingSteps(_conversions.StoredBytes, _conversionStepBytes)));
        }
        if (!_clickPassDone)
        {
            var clicks = new ExpirySweeper<ClickHistoryTimestamp>(Watermarks, _clickSpan);
            removed += _clicks.SweepStep(ref clicks, _clickStepBytes, out _clickPassDone);
            _clickPassMin = Math.Min(_clickPassMin, clicks.KeptMin);
        }
        if (!_conversionPassDone)
        {
            var conversions = new ExpirySweeper<RememberedConversionTimestamp>(Watermarks, _retention);
            removed += _conversions.SweepStep(ref conversions, _conversionStepBytes, out _conversionPassDone);
            _conversionPassMin = Math.Min(_conversionPassMin, conversions.KeptMin);
        }
        if (_clickPassDone && _conversionPassDone)
        {
            _clickPassDone = _conversionPassDone = _expiryPassActive = false;
            // Every entry stored when the pass began was visited (kept ones folded in), and every one written since
            // folded its timestamp into the pass minimum as it was written.
            _clickFloor = _clickPassMin;
            _conversionFloor = _conversionPassMin;
            return true;
        }
        return false;
    }

    /// <summary>Deletes all state of <paramref name="partition"/> (and forgets its watermark); returns the entries removed.</summary>
    public long DropPartition(int partition)
    {
        if ((uint)partition >= PartitionWatermarks.MaxPartitions)
        {
            AttributionThrowHelper.ThrowPartition(partition);
        }
        var sweeper = new PartitionSweeper(partition);
        long removed = _clicks.Sweep(ref sweeper) + _conversions.Sweep(ref sweeper);
        // Deleting keeps the floors valid, but the sweep's compaction may move records a pass in progress has yet to visit.
        _clickPassMin = _conversionPassMin = long.MinValue;
        if (partition < Watermarks.Capacity)
        {
            Watermarks.Set(partition, PartitionWatermarks.None);
        }
        return removed;
    }

    /// <summary>
    /// Read-only query: the newest live click (not below its partition's click horizon) of
    /// (<paramref name="userId"/>, <paramref name="campaignId"/>) in <paramref name="partition"/>.
    /// Changes no state and no watermark. <paramref name="click"/> views this core's scratch and is
    /// valid only until the next call on this core (same thread rules as <see cref="Process{TSink}"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An id is empty or longer than <see cref="EventRecord.MaxIdBytes"/> bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The partition is outside 0..65535.</exception>
    public bool TryGetLastClick(int partition, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> campaignId, out ClickView click)
    {
        if ((uint)partition >= PartitionWatermarks.MaxPartitions)
        {
            AttributionThrowHelper.ThrowPartition(partition);
        }
        if (userId.IsEmpty || userId.Length > EventRecord.MaxIdBytes || campaignId.IsEmpty || campaignId.Length > EventRecord.MaxIdBytes)
        {
            throw new ArgumentException($"The user and campaign ids must be 1 to {EventRecord.MaxIdBytes} bytes long.");
        }
        int keyLength = StateKeys.Write(_clickKey, partition, userId, campaignId);
        int count = ReadHistory(_clickKey.AsSpan(0, keyLength));
        long horizon = EventTime.Horizon(Watermarks.Get(partition), _clickSpan);
        // Ascending order: the last entry is the newest; it alone decides (older ones expire first).
        if (count == 0 || _timestamps[count - 1] < horizon)
        {
            click = default;
            return false;
        }
        click = ClickHistoryFormat.View(_stored.AsSpan(_starts[count - 1], _lengths[count - 1]));
        return true;
    }

    private AttributionOutcome ProcessClick(ref EventRecord e)
    {
        ReadOnlySpan<byte> eventId = RequiredId(ref e, e.EventId, "event_id", EventRecord.MaxIdBytes);
        ReadOnlySpan<byte> adId = RequiredId(ref e, e.AdId, "ad_id", EventRecord.MaxIdBytes);
        ReadOnlySpan<byte> source = RequiredId(ref e, e.Source, "source", EventRecord.MaxLabelBytes);
        int keyLength = WriteKey(ref e, _clickKey, e.CampaignId, "campaign_id");

        long ts = e.Timestamp;
        long horizon = EventTime.Horizon(AdvanceWatermark(ref e), _clickSpan);
        if (ts < horizon)
        {
            return AttributionOutcome.ClickExpiredOnArrival;
        }

        // One state operation: the history is merged inside the table's read-modify-write.
        _clickMerger.Prepare(ts, horizon, eventId, adId, source);
        _clicks.Merge(_clickKey.AsSpan(0, keyLength), _clickMerger);
        // The stored history's newest click is at or after ts.
        if (ts < _clickPassMin)
        {
            _clickPassMin = ts;
        }
        if (ts < _clickFloor)
        {
            _clickFloor = ts;
        }
        return _clickMerger.Outcome;
    }

    private AttributionOutcome ProcessConversion<TSink>(ref EventRecord e, ref TSink sink) where TSink : struct, IAttributionSink
    {
        int conversionKeyLength = WriteKey(ref e, _conversionKey, e.EventId, "event_id");
        int clickKeyLength = WriteKey(ref e, _clickKey, e.CampaignId, "campaign_id");

        long ts = e.Timestamp;
        long watermark = AdvanceWatermark(ref e);
        ReadOnlySpan<byte> conversionKey = _conversionKey.AsSpan(0, conversionKeyLength);
        long retentionHorizon = EventTime.Horizon(watermark, _retention);

        // The click history decides what the conversion would be; the conversion id (remembered only
        // for attributed ones) then turns any outcome into a duplicate, as if checked first.
        long horizon = EventTime.Horizon(watermark, _clickSpan);
        int count = ReadHistory(_clickKey.AsSpan(0, clickKeyLength));
        int match = -1;
        bool anyLive = false;
        for (int i = 0; i < count; i++)
        {
            long t = _timestamps[i];
            if (t < horizon)
            {
                continue;
            }
            anyLive = true;
            if (t <= ts)
            {
                match = i; // ascending order: the last one seen is the latest at or before ts
            }
        }
        AttributionOutcome found;
        if (match < 0)
        {
            found = anyLive ? AttributionOutcome.ClickAfterConversion : AttributionOutcome.NoClick;
        }
        // ts >= click ts here, so the unsigned difference is exact even across the int64 range.
        else if ((ulong)(ts - _timestamps[match]) > (ulong)_window)
        {
            found = AttributionOutcome.ClickOutsideWindow;
        }
        else
        {
            // One operation: remember the id unless a live one is remembered (insert if absent).
            _conversionMerger.Prepare(ts, retentionHorizon);
            _conversions.Merge(conversionKey, _conversionMerger);
            if (ts < _conversionPassMin)
            {
                _conversionPassMin = ts;
            }
            if (ts < _conversionFloor)
            {
                _conversionFloor = ts;
            }
            if (_conversionMerger.Outcome == AttributionOutcome.DuplicateConversion)
            {
                return AttributionOutcome.DuplicateConversion;
            }
            ClickView click = ClickHistoryFormat.View(_stored.AsSpan(_starts[match], _lengths[match]));
            sink.OnAttributed(ref e, in click);
            return AttributionOutcome.Attributed;
        }

        int n = _conversions.Read(conversionKey, _conversionValue);
        return n >= 0 && RememberedConversionFormat.Read(_conversionValue.AsSpan(0, n)) >= retentionHorizon
            ? AttributionOutcome.DuplicateConversion
            : found;
    }

    /// <summary>
    /// The watermark <paramref name="e"/> is judged against: its partition's, raised to its timestamp; or, when the
    /// engine's event-time guard judged it, the guard's (stored unless the guard still bootstraps the partition).
    /// </summary>
    private long AdvanceWatermark(ref EventRecord e)
    {
        if (!e.Guarded)
        {
            return Watermarks.Advance(e.Partition, e.Timestamp);
        }
        return e.HoldsWatermark ? e.GuardedWatermark : Watermarks.Advance(e.Partition, e.GuardedWatermark);
    }

    /// <summary>Reads and parses a click history into the scratch arrays; returns its click count (0 when absent).</summary>
    private int ReadHistory(ReadOnlySpan<byte> key)
    {
        int n = _clicks.Read(key, _stored);
        return n < 0 ? 0 : ClickHistoryFormat.Parse(_stored.AsSpan(0, n), _timestamps, _starts, _lengths);
    }

    private static int WriteKey(ref EventRecord e, byte[] destination, Utf8Field tail, string tailName)
    {
        if ((uint)e.Partition >= PartitionWatermarks.MaxPartitions)
        {
            AttributionThrowHelper.ThrowPartition(e.Partition);
        }
        ReadOnlySpan<byte> user = RequiredId(ref e, e.UserId, "user_id", EventRecord.MaxIdBytes);
        ReadOnlySpan<byte> tailBytes = RequiredId(ref e, tail, tailName, EventRecord.MaxIdBytes);
        return StateKeys.Write(destination, e.Partition, user, tailBytes);
    }

    /// <summary>
    /// Asks the tables to start loading what <see cref="Process{TSink}"/> will look up for <paramref name="e"/>: its
    /// click history and, for a conversion, its remembered id. Changes nothing; a record Process would refuse is passed over.
    /// </summary>
    public void Prefetch(ref EventRecord e)
    {
        if (!IsId(e.UserId, EventRecord.MaxIdBytes) || !IsId(e.CampaignId, EventRecord.MaxIdBytes))
        {
            return;
        }
        ReadOnlySpan<byte> user = e.Get(e.UserId);
        _clicks.Prefetch(_prefetchKey.AsSpan(0, StateKeys.Write(_prefetchKey, e.Partition, user, e.Get(e.CampaignId))));
        if (e.Kind == EventKind.Conversion && IsId(e.EventId, EventRecord.MaxIdBytes))
        {
            _conversions.Prefetch(_prefetchKey.AsSpan(0, StateKeys.Write(_prefetchKey, e.Partition, user, e.Get(e.EventId))));
        }
    }

    private static bool IsId(Utf8Field field, int maxBytes) => field.IsPresent && field.Length <= maxBytes;

    private static ReadOnlySpan<byte> RequiredId(ref EventRecord e, Utf8Field field, string name, int maxBytes)
    {
        if (!IsId(field, maxBytes))
        {
            AttributionThrowHelper.ThrowBadRecord(field.IsPresent ? $"{name} is longer than {maxBytes} bytes" : $"{name} is absent");
        }
        return e.Get(field);
    }
}
