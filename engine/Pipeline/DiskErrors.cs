namespace Attribution.Engine.Pipeline;

/// <summary>Recognises a full disk among I/O errors, so hosts can say so in words.</summary>
public static class DiskErrors
{
    // .NET on Unix sets an IOException's HResult to the raw errno: ENOSPC, EDQUOT (Linux).
    private const int NoSpaceErrno = 28;
    private const int QuotaErrno = 122;

    /// <summary>Whether <paramref name="error"/> (or an exception it wraps) is a write that failed for lack of space.</summary>
    public static bool IsNoSpace(Exception? error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is IOException io && (io.HResult is NoSpaceErrno or QuotaErrno))
            {
                return true;
            }
            if (e.Message.Contains("no space left", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
