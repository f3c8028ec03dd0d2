using System.Globalization;
using System.Text.Json;

namespace Attribution.Engine.Snapshots;

/// <summary>
/// The manifests of one state directory (in its <c>snapshots</c> folder, one
/// <c>snapshot-NNNNNNNNNNNN.json</c> per snapshot): listing, reading, verifying against the files
/// they list, writing atomically and deleting. Remembers checksums of log-segment prefixes it has
/// verified or written, because those bytes never change while the engine runs and re-reading
/// gigabytes of log for every snapshot would dominate its cost. Thread-safe.
/// </summary>
internal sealed class SnapshotStore
{
    /// <summary>Folder of the manifests inside the state directory.</summary>
    public const string FolderName = "snapshots";

    private const string Prefix = "snapshot-";
    private const string Suffix = ".json";

    private readonly object _lock = new();
    private Dictionary<(string Path, long Length), string> _prefixChecksums = [];

    /// <summary>Manifests of the state directory <paramref name="stateDirectory"/>.</summary>
    public SnapshotStore(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        StateDirectory = Path.GetFullPath(stateDirectory);
        Directory = Path.Combine(StateDirectory, FolderName);
    }

    /// <summary>The state directory (paths in manifests are relative to it).</summary>
    public string StateDirectory { get; }

    /// <summary>The folder of the manifests.</summary>
    public string Directory { get; }

    /// <summary>The manifest file name of snapshot <paramref name="sequence"/>.</summary>
    public static string FileName(long sequence) => Prefix + sequence.ToString("D12", CultureInfo.InvariantCulture) + Suffix;

    /// <summary>Manifest files present, newest (largest sequence) first. Temp files of unfinished writes are not listed.</summary>
    public IReadOnlyList<SnapshotEntry> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        var entries = new List<SnapshotEntry>();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Suffix))
        {
            string name = Path.GetFileName(path);
            string digits = name[Prefix.Length..^Suffix.Length];
            if (digits.Length > 0 && digits.All(char.IsAsciiDigit)
                && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
            {
                entries.Add(new SnapshotEntry(sequence, path));
            }
        }
        entries.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        return entries;
    }

    /// <summary>Reads and parses a manifest.</summary>
    /// <exception cref="InvalidDataException">It cannot be read, is not a manifest, or has another format version (message says which).</exception>
    public static SnapshotManifest Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"it cannot be read ({e.Message})", e);
        }
        return Deserialize(bytes);
    }

    /// <summary>Parses manifest JSON.</summary>
    /// <exception cref="InvalidDataException">Not a manifest of <see cref="SnapshotManifest.CurrentFormatVersion"/>.</exception>
    public static SnapshotManifest Deserialize(ReadOnlySpan<byte> json)
    {
        SnapshotManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, SnapshotManifestJsonContext.Default.SnapshotManifest);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"it is not valid manifest JSON ({e.Message})", e);
        }
        if (manifest is null)
        {
            throw new InvalidDataException("it is not valid manifest JSON (null)");
        }
        if (manifest.FormatVersion != SnapshotManifest.CurrentFormatVersion)
        {
            throw new InvalidDataException($"its format version is {manifest.FormatVersion}, but this engine reads version {SnapshotManifest.CurrentFormatVersion}");
        }
        string? stored = manifest.ManifestXxHash64;
        if (stored is null || !string.Equals(stored, SelfChecksum(manifest), StringComparison.Ordinal))
        {
            throw new InvalidDataException("its own checksum does not match its content (the manifest is damaged)");
        }
        return manifest;
    }

    /// <summary>Manifest JSON (UTF-8), with <see cref="SnapshotManifest.ManifestXxHash64"/> set to the checksum of the rest.</summary>
    public static byte[] Serialize(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.ManifestXxHash64 = SelfChecksum(manifest);
        return JsonSerializer.SerializeToUtf8Bytes(manifest, SnapshotManifestJsonContext.Default.SnapshotManifest);
    }

    // The serialization is deterministic (fixed property order; dictionaries keep their order
    // through a round trip), so the checksum can cover the manifest minus the checksum itself.
    private static string SelfChecksum(SnapshotManifest manifest)
    {
        string? stored = manifest.ManifestXxHash64;
        manifest.ManifestXxHash64 = null;
        try
        {
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, SnapshotManifestJsonContext.Default.SnapshotManifest);
            return System.IO.Hashing.XxHash64.HashToUInt64(bytes).ToString("x16", CultureInfo.InvariantCulture);
        }
        finally
        {
            manifest.ManifestXxHash64 = stored;
        }
    }

    /// <summary>
    /// Checks that <paramref name="manifest"/> describes a complete snapshot: its shards and every
    /// listed file present, with the listed length and checksum. Returns null when it does, else
    /// why not (one clause). Reads every listed byte.
    /// </summary>
    public string? Verify(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (CheckStructure(manifest) is { } problem)
        {
            return problem;
        }
        byte[] buffer = DurableFiles.NewBuffer();
        var verified = new List<(string, long, string)>();
        foreach (SnapshotFile file in manifest.Files)
        {
            var (full, checksum, fileProblem) = CheckFile(file, buffer);
            if (fileProblem is not null)
            {
                return fileProblem;
            }
            if (file.Prefix)
            {
                verified.Add((full!, file.Length, checksum!));
            }
        }
        lock (_lock)
        {
            foreach (var (path, length, checksum) in verified)
            {
                _prefixChecksums[(path, length)] = checksum;
            }
        }
        return null;
    }

    /// <summary>Null when the manifest's shard list and file list are well formed, else why not (one clause).</summary>
    internal static string? CheckStructure(SnapshotManifest manifest)
    {
        if (manifest.Shards.Count != manifest.Config.Shards)
        {
            return $"it lists checkpoints of {manifest.Shards.Count} shards but was taken with {manifest.Config.Shards}";
        }
        for (int i = 0; i < manifest.Shards.Count; i++)
        {
            if (manifest.Shards[i].Shard != i)
            {
                return $"its shard list is out of order at index {i}";
            }
        }
        return manifest.Files.Count == 0 ? "it lists no files" : null;
    }

    /// <summary>
    /// Checks one listed file: present, of the listed length, with the listed checksum (reads its bytes).
    /// Returns its full path and checksum, and null or why it does not match (one clause).
    /// </summary>
    internal (string? FullPath, string? Checksum, string? Problem) CheckFile(SnapshotFile file, byte[] buffer)
    {
        if (Resolve(file.Path) is not { } full)
        {
            return (null, null, $"it lists the path '{file.Path}', which is outside the state directory");
        }
        if (!File.Exists(full))
        {
            return (full, null, $"its file '{file.Path}' is missing");
        }
        long actual = new FileInfo(full).Length;
        if (file.Prefix ? actual < file.Length : actual != file.Length)
        {
            return (full, null, $"its file '{file.Path}' is {actual} bytes long, but {(file.Prefix ? "at least " : "")}{file.Length} bytes were written");
        }
        string? checksum;
        try
        {
            checksum = DurableFiles.Checksum(full, file.Length, buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (full, null, $"its file '{file.Path}' cannot be read ({e.Message})");
        }
        if (!string.Equals(checksum, file.XxHash64, StringComparison.Ordinal))
        {
            return (full, checksum, $"its file '{file.Path}' does not match its checksum (corrupted)");
        }
        return (full, checksum, null);
    }

    /// <summary>
    /// Describes one file of a new snapshot: checksums its first <paramref name="length"/> bytes
    /// (a log-segment prefix whose checksum is remembered is not read again) and forces it to disk.
    /// <paramref name="hashedBytes"/> receives the bytes read.
    /// </summary>
    /// <exception cref="IOException">The file is missing, shorter than <paramref name="length"/>, or cannot be read or synced.</exception>
    public SnapshotFile Describe(string fullPath, long length, bool prefix, byte[] buffer, out long hashedBytes)
    {
        string relative = Path.GetRelativePath(StateDirectory, fullPath).Replace('\\', '/');
        hashedBytes = 0;
        string? checksum = null;
        if (prefix)
        {
            lock (_lock)
            {
                _prefixChecksums.TryGetValue((fullPath, length), out checksum);
            }
        }
        if (checksum is null)
        {
            checksum = DurableFiles.Checksum(fullPath, length, buffer)
                ?? throw new IOException($"The file '{fullPath}' is shorter than the {length} bytes the checkpoint wrote to it.");
            hashedBytes = length;
            DurableFiles.SyncFile(fullPath);
        }
        return new SnapshotFile { Path = relative, Length = length, Prefix = prefix, XxHash64 = checksum };
    }

    /// <summary>Remembers the log-segment checksums of a manifest just written, and only those (older ones are of no further use).</summary>
    internal void RememberPrefixes(SnapshotManifest manifest)
    {
        var next = new Dictionary<(string, long), string>();
        foreach (SnapshotFile f in manifest.Files)
        {
            if (f.Prefix && Resolve(f.Path) is { } full)
            {
                next[(full, f.Length)] = f.XxHash64;
            }
        }
        lock (_lock)
        {
            _prefixChecksums = next;
        }
    }

    /// <summary>Forgets remembered checksums (the files may have been rewritten, e.g. after recovering an older snapshot).</summary>
    internal void ForgetPrefixes()
    {
        lock (_lock)
        {
            _prefixChecksums = [];
        }
    }

    /// <summary>Writes the manifest atomically as the snapshot's last step; returns its path.</summary>
    /// <exception cref="IOException">It could not be written (nothing is left behind then).</exception>
    public string Write(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Combine(Directory, FileName(manifest.Sequence));
        if (File.Exists(path))
        {
            throw new IOException($"A manifest for snapshot {manifest.Sequence} already exists at '{path}'.");
        }
        DurableFiles.WriteAtomically(path, Serialize(manifest));
        return path;
    }

    /// <summary>Deletes a manifest (first step of deleting a snapshot: without it, its files are unreferenced).</summary>
    public void Delete(SnapshotEntry entry)
    {
        File.Delete(entry.Path);
        DurableFiles.TryDelete(entry.Path + ".tmp");
    }

    /// <summary>Deletes every manifest (and temp file of an unfinished write) durably: the state directory then holds no snapshot.</summary>
    public void DeleteAll()
    {
        bool deleted = false;
        foreach (SnapshotEntry entry in List())
        {
            Delete(entry);
            deleted = true;
        }
        DeleteTempFiles();
        if (deleted)
        {
            SyncDirectory();
        }
    }

    /// <summary>Makes deletions of manifests durable.</summary>
    internal void SyncDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            DurableFiles.SyncDirectory(Directory);
        }
    }

    /// <summary>Deletes leftover temp files of manifest writes that a crash interrupted.</summary>
    internal void DeleteTempFiles()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (string temp in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Suffix + ".tmp"))
            {
                DurableFiles.TryDelete(temp);
            }
        }
    }

    // A manifest names files relative to the state directory; one that points elsewhere is not ours.
    private string? Resolve(string relative)
    {
        if (string.IsNullOrEmpty(relative) || Path.IsPathRooted(relative))
        {
            return null;
        }
        string full = Path.GetFullPath(Path.Combine(StateDirectory, relative));
        return full.StartsWith(StateDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }
}
