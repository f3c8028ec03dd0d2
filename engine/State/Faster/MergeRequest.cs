using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// The merger of the <see cref="FasterStateTable.Merge"/> call in progress, shared by the table's
/// <see cref="StateFunctions"/> and <see cref="ExactValueLength"/> (FASTER's callbacks get only key,
/// input and value). Null outside a merge: the RMW input is then the complete new value.
/// </summary>
internal sealed class MergeRequest
{
    /// <summary>The merger in force, or null.</summary>
    public IValueMerger? Merger;

    /// <summary>The merged value for a stored <paramref name="value"/>; false when the merger keeps it.</summary>
    public bool TryMerge(scoped ref SpanByte value, out ReadOnlySpan<byte> merged)
        => Merger!.TryMerge(value.AsReadOnlySpan(), exists: true, out merged);

    /// <summary>The value for an absent key; false when the merger inserts nothing.</summary>
    public bool TryCreate(out ReadOnlySpan<byte> merged)
        => Merger!.TryMerge(default, exists: false, out merged);
}
