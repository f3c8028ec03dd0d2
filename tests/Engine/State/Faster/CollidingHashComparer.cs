using FASTER.core;

namespace Attribution.Tests.Engine.State.Faster;

/// <summary>
/// A key comparer whose hash is deliberately terrible (a constant, or just the key's length) while
/// equality stays FASTER's own byte comparison: every key lands in one or a few hash chains, so
/// only exact key comparison can tell entries apart.
/// </summary>
internal sealed class CollidingHashComparer(bool lengthOnly) : IFasterEqualityComparer<SpanByte>
{
    public long GetHashCode64(ref SpanByte k) => lengthOnly ? k.LengthWithoutMetadata : 42;

    public bool Equals(ref SpanByte k1, ref SpanByte k2) => SpanByteComparer.StaticEquals(ref k1, ref k2);
}
