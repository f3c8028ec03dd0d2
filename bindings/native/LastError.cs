using System.Text;

namespace Attribution.Native;

/// <summary>
/// The message of the last failed call on the calling thread (errno-like: a successful call leaves it
/// unchanged). Kept in a pinned per-thread buffer so the pointer handed to C stays valid until the
/// next failure on the same thread.
/// </summary>
internal static unsafe class LastError
{
    private const int MaxMessageBytes = 2048;

    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>Records <paramref name="message"/> for this thread and returns <paramref name="status"/>.</summary>
    public static int Set(AttrStatus status, string message)
    {
        byte[] buffer = Buffer();
        int n = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, MaxMessageBytes / 4)), buffer.AsSpan(0, MaxMessageBytes - 1));
        buffer[n] = 0;
        return (int)status;
    }

    /// <summary>Records an already encoded message (no allocation: used on the per-record rejection path).</summary>
    public static int Set(AttrStatus status, ReadOnlySpan<byte> utf8)
    {
        byte[] buffer = Buffer();
        int n = Math.Min(utf8.Length, MaxMessageBytes - 1);
        utf8.Slice(0, n).CopyTo(buffer);
        buffer[n] = 0;
        return (int)status;
    }

    /// <summary>The NUL-terminated message ("" when this thread had no failure yet).</summary>
    public static byte* Pointer()
    {
        // Pinned-heap array: its address never changes while this thread holds it.
        fixed (byte* p = Buffer())
        {
            return p;
        }
    }

    /// <summary>The message as a string (tests).</summary>
    public static string Message()
    {
        byte[] b = Buffer();
        return Encoding.UTF8.GetString(b, 0, Array.IndexOf(b, (byte)0));
    }

    private static byte[] Buffer() => t_buffer ??= GC.AllocateArray<byte>(MaxMessageBytes, pinned: true);
}
