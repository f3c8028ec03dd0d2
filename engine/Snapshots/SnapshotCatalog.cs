namespace Attribution.Engine.Snapshots;

/// <summary>
/// Read-only access to the snapshots of a state directory, for tools (<c>attribution snapshot list|inspect</c>):
/// no lock is taken and nothing is changed, so it works beside a running engine. A snapshot pruned by that
/// engine meanwhile reads as one whose manifest cannot be read.
/// </summary>
public static class SnapshotCatalog
{
    /// <summary>The sequence numbers of the manifests present in <paramref name="stateDirectory"/>, newest first.</summary>
    public static IReadOnlyList<long> Sequences(string stateDirectory)
        => new SnapshotStore(stateDirectory).List().Select(e => e.Sequence).ToList();

    /// <summary>
    /// Reads snapshot <paramref name="sequence"/> of <paramref name="stateDirectory"/> and verifies every file it lists
    /// (reads every byte, trusts nothing cached). A missing manifest is reported as the check's problem.
    /// </summary>
    public static SnapshotCheck Check(string stateDirectory, long sequence)
    {
        var store = new SnapshotStore(stateDirectory);
        string path = Path.Combine(store.Directory, SnapshotStore.FileName(sequence));
        long manifestBytes = File.Exists(path) ? new FileInfo(path).Length : 0;
        SnapshotManifest manifest;
        try
        {
            manifest = SnapshotStore.Read(path);
        }
        catch (InvalidDataException e)
        {
            return new SnapshotCheck { Sequence = sequence, ManifestPath = path, ManifestBytes = manifestBytes, Problem = e.Message };
        }
        byte[] buffer = DurableFiles.NewBuffer();
        var files = new List<SnapshotFileCheck>(manifest.Files.Count);
        string? first = SnapshotStore.CheckStructure(manifest);
        foreach (SnapshotFile file in manifest.Files)
        {
            string? problem = store.CheckFile(file, buffer).Problem;
            first ??= problem;
            files.Add(new SnapshotFileCheck { Path = file.Path, Length = file.Length, Prefix = file.Prefix, Problem = problem });
        }
        return new SnapshotCheck { Sequence = sequence, ManifestPath = path, ManifestBytes = manifestBytes, Manifest = manifest, Files = files, Problem = first };
    }
}
