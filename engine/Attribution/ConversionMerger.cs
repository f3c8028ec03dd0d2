using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Remembers an attributable conversion's id inside the conversion table's read-modify-write, so
/// the duplicate check and the write are one state operation (insert if absent): a remembered id
/// still within retention declines the merge (<see cref="AttributionOutcome.DuplicateConversion"/>);
/// an absent or expired one is (re)written with this conversion's time (<see cref="AttributionOutcome.Attributed"/>).
/// Owned by the core's thread; allocates nothing after construction.
/// </summary>
internal sealed class ConversionMerger : IValueMerger
{
    private readonly byte[] _value = new byte[RememberedConversionFormat.Bytes];
    private long _horizon;

    /// <summary>What the last merge decided.</summary>
    public AttributionOutcome Outcome { get; private set; }

    /// <summary>Sets the conversion the next merges remember and the retention horizon remembered ids are judged by.</summary>
    public void Prepare(long timestamp, long retentionHorizon)
    {
        RememberedConversionFormat.Write(_value, timestamp);
        _horizon = retentionHorizon;
    }

    /// <inheritdoc />
    public bool TryMerge(scoped ReadOnlySpan<byte> stored, bool exists, out ReadOnlySpan<byte> merged)
    {
        if (exists && RememberedConversionFormat.Read(stored) >= _horizon)
        {
            Outcome = AttributionOutcome.DuplicateConversion;
            merged = default;
            return false;
        }
        Outcome = AttributionOutcome.Attributed;
        merged = _value;
        return true;
    }
}
