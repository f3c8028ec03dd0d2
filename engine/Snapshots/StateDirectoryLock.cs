using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Attribution.Engine.Snapshots;

/// <summary>
/// The exclusive lock of a state directory, like RocksDB's LOCK file: <c>LOCK</c> in the directory,
/// held with an OS advisory lock (flock on Linux, a share-none handle on Windows) for as long as the
/// engine is open. The kernel drops the lock when the process dies, however it dies, so a LOCK file
/// left by a killed process never blocks the next start. The file holds one line naming the holder
/// (pid, host, command, since when) for the sentence a second opener gets; a second opener changes nothing.
/// </summary>
internal sealed partial class StateDirectoryLock : IDisposable
{
    /// <summary>Name of the lock file inside the state directory.</summary>
    public const string FileName = "LOCK";

    // EWOULDBLOCK/EAGAIN on Linux and macOS; ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION on Windows.
    private const int LinuxWouldBlock = 11, MacWouldBlock = 35, WindowsSharing = 32, WindowsLock = 33;
    private const int LockExclusive = 2, LockNonBlocking = 4;
    private const int MaxHolderBytes = 4096;

    private readonly FileStream _file;

    private StateDirectoryLock(string directory, FileStream file)
    {
        Directory = directory;
        _file = file;
    }

    /// <summary>The locked directory (full path).</summary>
    public string Directory { get; }

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and takes its lock without waiting.
    /// </summary>
    /// <exception cref="StateDirectoryInUseException">Another engine holds it (the message names the holder).</exception>
    /// <exception cref="IOException">The lock file cannot be created or opened (e.g. a read-only directory).</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to create or open the lock file.</exception>
    public static StateDirectoryLock Acquire(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        return Take(directory, Path.Combine(directory, FileName), holder => new StateDirectoryInUseException(holder is { Length: > 0 }
            ? $"The state directory '{directory}' is in use by {holder}; stop that process or use another directory."
            : $"The state directory '{directory}' is in use by another process (see its '{FileName}' file); stop that process or use another directory."));
    }

    /// <summary>
    /// Takes the lock of one file that several processes may write (a partition state file in a shared
    /// directory): <c>path.lock</c>, held while the file is written, so two writers never interleave.
    /// </summary>
    /// <exception cref="StateDirectoryInUseException">Another writer holds it (the message names it).</exception>
    internal static StateDirectoryLock AcquireEntry(string path)
    {
        path = Path.GetFullPath(path);
        return Take(Path.GetDirectoryName(path)!, path + ".lock", holder => new StateDirectoryInUseException(
            $"The file '{path}' is being written by {(holder is { Length: > 0 } ? holder : "another process")}; it is left to that writer."));
    }

    private static StateDirectoryLock Take(string directory, string path, Func<string?, StateDirectoryInUseException> inUse)
    {
        FileStream file;
        try
        {
            // OpenOrCreate never truncates: a second opener that fails here has changed nothing.
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            throw inUse(ReadHolder(path));
        }
        try
        {
            // .NET takes flock for FileShare.None unless DOTNET_SYSTEM_IO_DISABLEFILELOCKING is set; take it
            // ourselves too so that switch cannot turn the lock off (a second flock on the same handle is a no-op).
            if (!OperatingSystem.IsWindows() && Flock(file.SafeFileHandle, LockExclusive | LockNonBlocking) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno is LinuxWouldBlock or MacWouldBlock)
                {
                    throw inUse(ReadHolder(path));
                }
                throw new IOException($"The lock file '{path}' could not be locked (errno {errno}).");
            }
            byte[] holder = Encoding.UTF8.GetBytes(DescribeThisProcess() + "\n");
            file.SetLength(0);
            file.Write(holder);
            file.Flush();
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return new StateDirectoryLock(directory, file);
    }

    /// <summary>Releases the lock (the LOCK file stays: deleting it would let a late opener lock an unlinked file).</summary>
    public void Dispose() => _file.Dispose();

    private static bool IsHeldElsewhere(IOException e)
        => e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
            && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is WindowsSharing or WindowsLock : e.HResult is LinuxWouldBlock or MacWouldBlock);

    /// <summary>"process 123 on host h (cmd …) since …", the line the LOCK file holds.</summary>
    private static string DescribeThisProcess()
    {
        string command = CommandLine();
        if (command.Length > 200)
        {
            command = command[..197] + "...";
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on host {Environment.MachineName} ({command}) since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z");
    }

    private static string CommandLine()
    {
        try
        {
            // The real command line, also when the engine is a library inside another program (the C ABI).
            if (File.Exists("/proc/self/cmdline"))
            {
                string raw = File.ReadAllText("/proc/self/cmdline");
                return raw.TrimEnd('\0').Replace('\0', ' ');
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return Environment.CommandLine.Length > 0 ? Environment.CommandLine : Process.GetCurrentProcess().ProcessName;
    }

    // Reads the holder's line without taking any lock: every .NET open of the file would try flock and fail.
    private static string? ReadHolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null; // the holder's share-none handle keeps everyone out, readers too
        }
        int fd = Open(path, 0);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            byte[] buffer = new byte[MaxHolderBytes];
            int n = (int)Read(fd, buffer, (nint)buffer.Length);
            return n <= 0 ? null : Encoding.UTF8.GetString(buffer, 0, n).Trim();
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(SafeFileHandle fd, int operation);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
