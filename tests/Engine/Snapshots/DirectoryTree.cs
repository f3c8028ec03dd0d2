using System.Diagnostics;
using System.Globalization;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>Every file under a directory with its length, modification time and content hash: equal descriptions mean nothing was changed.</summary>
internal static class DirectoryTree
{
    public static List<string> Describe(string directory)
    {
        var lines = new List<string>();
        List<string> files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Dictionary<string, string> hashes = Md5(files);
        foreach (string path in files)
        {
            var info = new FileInfo(path);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{Path.GetRelativePath(directory, path)} {info.Length} {info.LastWriteTimeUtc.Ticks} {hashes[path]}"));
        }
        foreach (string path in Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            lines.Add(Path.GetRelativePath(directory, path) + "/");
        }
        return lines;
    }

    // md5sum, not a .NET read: every .NET open of a flock-held file (the LOCK file) fails on Linux.
    private static Dictionary<string, string> Md5(List<string> files)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (files.Count == 0)
        {
            return result;
        }
        var start = new ProcessStartInfo("md5sum") { RedirectStandardOutput = true, UseShellExecute = false };
        files.ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        foreach (string line in process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            result[line[34..]] = line[..32];
        }
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, "md5sum of the state directory");
        return result;
    }
}
