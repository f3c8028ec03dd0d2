using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// Record sizing for an RMW: the new record's value is exactly the new value's size, which is the
/// input (a plain RMW) or what the table's merger computes (a <see cref="FasterStateTable.Merge"/>).
/// (FASTER's default for SpanByte input keeps the larger of the old and new sizes, which would
/// return a padded value after a shrink.)
/// </summary>
internal sealed class ExactValueLength(MergeRequest request) : IVariableLengthStruct<SpanByte, SpanByte>
{
    /// <inheritdoc />
    public int GetLength(ref SpanByte t, ref SpanByte input)
    {
        if (request.Merger is null)
        {
            return sizeof(int) + input.Length;
        }
        // FASTER sizes a copy only after NeedCopyUpdate agreed, so the merger changes the value here.
        return sizeof(int) + (request.TryMerge(ref t, out var merged) ? merged.Length : t.LengthWithoutMetadata);
    }

    /// <inheritdoc />
    public int GetInitialLength(ref SpanByte input)
    {
        if (request.Merger is null)
        {
            return sizeof(int) + input.Length;
        }
        return sizeof(int) + (request.TryCreate(out var merged) ? merged.Length : 0);
    }
}
