using System.Diagnostics;
using System.Globalization;

namespace Attribution.Tests.Reliability;

/// <summary>
/// A small tmpfs of its own (the tests run as root, so mount works): a real file system that fills up, and that can be
/// made read-only or resized while a process uses it. Without mount rights the tests that need it fail in CI and are skipped elsewhere (<see cref="TestPrerequisite"/>).
/// </summary>
internal sealed class ScratchFileSystem : IDisposable
{
    private ScratchFileSystem(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/>; when that is not allowed here, see <see cref="TestPrerequisite"/>.</summary>
    public static ScratchFileSystem Mount(long bytes)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "attribution-reliability", "fs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (exit, error) = Run("mount", "-t", "tmpfs", "-o", "size=" + bytes.ToString(CultureInfo.InvariantCulture), "tmpfs", path);
        if (exit != 0)
        {
            Directory.Delete(path);
            throw TestPrerequisite.Missing($"mounting a tmpfs failed (mount said: {error.Trim()})", "these tests need root (or CAP_SYS_ADMIN) to mount a small tmpfs of their own");
        }
        return new ScratchFileSystem(path);
    }

    /// <summary>Remounts read-only: every later write, create or delete fails with EROFS, even for root.</summary>
    public void MakeReadOnly() => Remount("ro");

    /// <summary>Remounts read-write with a new size (files are kept).</summary>
    public void Resize(long bytes) => Remount("rw,size=" + bytes.ToString(CultureInfo.InvariantCulture));

    /// <summary>Bytes in use.</summary>
    public long UsedBytes
    {
        get
        {
            var drive = new DriveInfo(Path);
            return drive.TotalSize - drive.AvailableFreeSpace;
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private void Remount(string options)
    {
        var (exit, error) = Run("mount", "-o", "remount," + options, Path);
        Assert.That(exit, Is.Zero, $"remount {options}: {error}");
    }

    private static (int Exit, string Error) Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        try
        {
            using var process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
