using System.Runtime.InteropServices;

namespace Attribution.Engine.Ring;

/// <summary>
/// A long with <see cref="Padding.CacheLine"/> bytes on each side. The offsets are asserted by a
/// layout test; change them only through <see cref="Padding.CacheLine"/>.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Padding.CacheLine + sizeof(long) + Padding.CacheLine)]
internal struct PaddedLong
{
    /// <summary>The padded value.</summary>
    [FieldOffset(Padding.CacheLine)]
    public long Value;
}
