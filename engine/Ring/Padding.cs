namespace Attribution.Engine.Ring;

/// <summary>
/// The one constant every padded ring structure derives its layout from. A value written by one
/// thread and read by others gets <see cref="CacheLine"/> bytes of padding on each side, so no
/// unrelated write can land in its cache line (false sharing).
/// </summary>
internal static class Padding
{
    /// <summary>Assumed cache-line size in bytes (x64 and most ARM64 cores).</summary>
    public const int CacheLine = 64;
}
