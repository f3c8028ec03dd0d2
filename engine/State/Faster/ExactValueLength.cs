using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// Record sizing for an RMW whose input is the complete new value: the new record's value is
/// exactly the input's size. (FASTER's default for SpanByte input keeps the larger of the old
/// and new sizes, which would return a padded value after a shrink.)
/// </summary>
internal sealed class ExactValueLength : IVariableLengthStruct<SpanByte, SpanByte>
{
    /// <summary>Shared instance (stateless).</summary>
    public static readonly ExactValueLength Instance = new();

    /// <inheritdoc />
    public int GetLength(ref SpanByte t, ref SpanByte input) => sizeof(int) + input.Length;

    /// <inheritdoc />
    public int GetInitialLength(ref SpanByte input) => sizeof(int) + input.Length;
}
