using System.Buffers;

namespace Attribution.Engine.Codecs;

/// <summary>
/// A <see cref="MemoryManager{T}"/> over a pinned span, one reused instance per thread, so a span can be handed to
/// APIs that take <see cref="ReadOnlyMemory{T}"/> (MessagePackReader) without copying or allocating per call.
/// Valid only between <see cref="Rent"/> and <see cref="Release"/>, while the caller keeps the span pinned.
/// </summary>
internal sealed unsafe class PinnedSpanMemory : MemoryManager<byte>
{
    [ThreadStatic]
    private static PinnedSpanMemory? t_instance;

    private byte* _pointer;
    private int _length;

    /// <summary>Points this thread's instance at <paramref name="pointer"/> (which the caller has pinned).</summary>
    public static PinnedSpanMemory Rent(byte* pointer, int length)
    {
        PinnedSpanMemory instance = t_instance ??= new PinnedSpanMemory();
        instance._pointer = pointer;
        instance._length = length;
        return instance;
    }

    /// <summary>Forgets the pointer, so a stale use reads nothing instead of unpinned memory.</summary>
    public void Release()
    {
        _pointer = null;
        _length = 0;
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan() => new(_pointer, _length);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    /// <inheritdoc />
    public override void Unpin()
    {
        // Already pinned by the caller of Rent for as long as this memory is used.
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        Release();
    }
}
