using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Merges one incoming click into its (partition, user, campaign) history inside the click table's
/// read-modify-write, so a click costs one state operation (docs/SEMANTICS.md, rule 1): live stored
/// clicks and the new one in time order, a stored click of the same timestamp replaced, the oldest
/// dropped beyond the history size. <see cref="Outcome"/> says what the last merge decided.
/// Owned by the core's thread; allocates nothing after construction.
/// </summary>
internal sealed class ClickMerger : IValueMerger
{
    private readonly int _history;
    private readonly byte[] _entry = new byte[IStateTable.MaxValueBytes];
    private readonly byte[] _updated = new byte[IStateTable.MaxValueBytes];
    private readonly long[] _timestamps = new long[ClickHistoryFormat.MaxEntries];
    private readonly int[] _starts = new int[ClickHistoryFormat.MaxEntries];
    private readonly int[] _lengths = new int[ClickHistoryFormat.MaxEntries];
    // Indexes of the merged history; -1 stands for the incoming click.
    private readonly int[] _merged = new int[ClickHistoryFormat.MaxEntries + 1];
    private int _entryLength;
    private long _ts;
    private long _horizon;

    /// <summary>Creates a merger keeping at most <paramref name="history"/> clicks per key.</summary>
    public ClickMerger(int history) => _history = history;

    /// <summary><see cref="AttributionOutcome.ClickStored"/> or <see cref="AttributionOutcome.ClickTooOld"/>, per the last merge.</summary>
    public AttributionOutcome Outcome { get; private set; }

    /// <summary>Sets the click the next merges add; stored clicks below <paramref name="horizon"/> are dropped.</summary>
    public void Prepare(long timestamp, long horizon, ReadOnlySpan<byte> eventId, ReadOnlySpan<byte> adId, ReadOnlySpan<byte> source)
    {
        _ts = timestamp;
        _horizon = horizon;
        _entryLength = ClickHistoryFormat.WriteEntry(_entry, timestamp, eventId, adId, source);
    }

    /// <inheritdoc />
    public bool TryMerge(scoped ReadOnlySpan<byte> stored, bool exists, out ReadOnlySpan<byte> merged)
    {
        int count = exists ? ClickHistoryFormat.Parse(stored, _timestamps, _starts, _lengths) : 0;
        long ts = _ts;
        int total = 0;
        int newAt = -1;
        for (int i = 0; i < count; i++)
        {
            long t = _timestamps[i];
            if (t < _horizon || t == ts)
            {
                continue;
            }
            if (newAt < 0 && t > ts)
            {
                newAt = total;
                _merged[total++] = -1;
            }
            _merged[total++] = i;
        }
        if (newAt < 0)
        {
            newAt = total;
            _merged[total++] = -1;
        }

        int drop = total > _history ? total - _history : 0;
        if (newAt < drop)
        {
            // The history is full of newer clicks: keeping this one would evict a newer click.
            Outcome = AttributionOutcome.ClickTooOld;
            merged = default;
            return false;
        }

        Span<byte> updated = _updated;
        updated[0] = (byte)(total - drop);
        int pos = 1;
        int longest = 0;
        for (int m = drop; m < total; m++)
        {
            int i = _merged[m];
            ReadOnlySpan<byte> entry = i < 0 ? _entry.AsSpan(0, _entryLength) : stored.Slice(_starts[i], _lengths[i]);
            entry.CopyTo(updated.Slice(pos));
            pos += entry.Length;
            longest = Math.Max(longest, entry.Length);
        }
        int length = ClickHistoryFormat.StoredLength(pos, total - drop, longest, _history);
        updated.Slice(pos, length - pos).Clear();
        Outcome = AttributionOutcome.ClickStored;
        merged = updated.Slice(0, length);
        return true;
    }
}
