using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Attribution.Engine.Snapshots;

/// <summary>
/// File operations snapshots need to be crash-safe: checksumming a file's leading bytes, forcing
/// a file and a directory to stable storage, and writing a small file atomically (temp name,
/// fsync, rename, fsync of the directory so the rename itself survives a power loss).
/// </summary>
internal static partial class DurableFiles
{
    private const int BufferBytes = 1 << 20;

    /// <summary>XxHash64 of the first <paramref name="length"/> bytes of <paramref name="path"/> as 16 hex digits; null when the file is shorter.</summary>
    /// <remarks>Reads through a new handle, so it works on files FASTER holds open (log segments).</remarks>
    public static string? Checksum(string path, long length, byte[] buffer)
    {
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        if (RandomAccess.GetLength(handle) < length)
        {
            return null;
        }
        var hash = new XxHash64();
        long offset = 0;
        while (offset < length)
        {
            int want = (int)Math.Min(buffer.Length, length - offset);
            int n = RandomAccess.Read(handle, buffer.AsSpan(0, want), offset);
            if (n <= 0)
            {
                return null;
            }
            hash.Append(buffer.AsSpan(0, n));
            offset += n;
        }
        return hash.GetCurrentHashAsUInt64().ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>A scratch buffer for <see cref="Checksum"/>.</summary>
    public static byte[] NewBuffer() => new byte[BufferBytes];

    /// <summary>Forces the file's data to stable storage (fsync).</summary>
    public static void SyncFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Forces a directory's entries (created, renamed, deleted files) to stable storage. A no-op on Windows.</summary>
    /// <exception cref="IOException">The directory could not be synced.</exception>
    public static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals metadata; there is no directory handle to flush
        }
        int fd = Open(path, 0);
        if (fd < 0)
        {
            throw new IOException($"The directory '{path}' could not be opened to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"The directory '{path}' could not be synced (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically: to <c>path.tmp</c>,
    /// fsync, rename over <paramref name="path"/>, fsync the directory. After a crash the file is
    /// either absent or complete. The temp file is removed when anything fails.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Deletes a file, ignoring failure (cleanup after an error must not hide the error).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
