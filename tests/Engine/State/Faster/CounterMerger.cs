using System.Buffers.Binary;
using Attribution.Engine.State;

namespace Attribution.Tests.Engine.State.Faster;

/// <summary>
/// A test <see cref="IValueMerger"/>: the value is an i64 counter followed by <see cref="Padding"/>
/// filler bytes; a merge adds <see cref="Delta"/> (0 declines) and resizes the value to the padding.
/// Counts its calls.
/// </summary>
internal sealed class CounterMerger : IValueMerger
{
    private readonly byte[] _buffer = new byte[IStateTable.MaxValueBytes];

    /// <summary>Added to the stored counter (absent = 0); 0 declines the merge.</summary>
    public long Delta { get; set; } = 1;

    /// <summary>Filler bytes after the counter in the merged value.</summary>
    public int Padding { get; set; }

    /// <summary>Merges computed so far.</summary>
    public int Calls { get; private set; }

    /// <inheritdoc />
    public bool TryMerge(scoped ReadOnlySpan<byte> stored, bool exists, out ReadOnlySpan<byte> merged)
    {
        Calls++;
        if (Delta == 0)
        {
            merged = default;
            return false;
        }
        long counter = exists ? BinaryPrimitives.ReadInt64LittleEndian(stored) : 0;
        BinaryPrimitives.WriteInt64LittleEndian(_buffer, counter + Delta);
        _buffer.AsSpan(sizeof(long), Padding).Fill((byte)Padding);
        merged = _buffer.AsSpan(0, sizeof(long) + Padding);
        return true;
    }

    /// <summary>The counter of a value read back.</summary>
    public static long CounterOf(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt64LittleEndian(value);
}
