using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>
/// Deletes checkpoint folders and whole table folders so that a crash at any moment leaves either the
/// complete folder at its place or nothing there: the folder is first renamed into a trash folder (one atomic
/// rename, made durable), then deleted at leisure. What a crash leaves in the trash is deleted by the next
/// start; FASTER never sees a half-deleted checkpoint, and a deletion never fails on a half-deleted tree.
/// </summary>
internal static class CheckpointFolders
{
    private const string TrashName = "trash";
    private const string DeletingSuffix = ".deleting-";

    /// <summary>
    /// Removes checkpoint <paramref name="token"/> from <paramref name="checkpointDirectory"/>: its log folder first
    /// (from then on FASTER no longer lists it), then its index folder. Idempotent.
    /// </summary>
    public static void Remove(string checkpointDirectory, Guid token)
    {
        var naming = new DefaultCheckpointNamingScheme(checkpointDirectory);
        string trash = Path.Combine(checkpointDirectory, TrashName);
        MoveToTrash(Path.Combine(checkpointDirectory, naming.LogCheckpointBase(token).directoryName), trash, token.ToString("N") + ".log");
        MoveToTrash(Path.Combine(checkpointDirectory, naming.IndexCheckpointBase(token).directoryName), trash, token.ToString("N") + ".index");
    }

    /// <summary>Deletes what removals (of this process or one that crashed) left in the trash folder.</summary>
    public static void EmptyTrash(string checkpointDirectory)
    {
        string trash = Path.Combine(checkpointDirectory, TrashName);
        if (Directory.Exists(trash))
        {
            foreach (string entry in Directory.EnumerateDirectories(trash).ToList())
            {
                DeleteTree(entry);
            }
        }
    }

    /// <summary>
    /// Deletes the folder <paramref name="path"/> and everything in it: renamed aside first, so that a crash never
    /// leaves a partly deleted tree under its name. Leftovers of interrupted deletions beside it are deleted too.
    /// </summary>
    public static void DeleteFolder(string path)
    {
        string full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full))
        {
            string aside = full + DeletingSuffix + Guid.NewGuid().ToString("N");
            Directory.Move(full, aside);
            SyncQuietly(parent);
        }
        if (Directory.Exists(parent))
        {
            foreach (string leftover in Directory.EnumerateDirectories(parent, Path.GetFileName(full) + DeletingSuffix + "*").ToList())
            {
                DeleteTree(leftover);
            }
        }
    }

    private static void MoveToTrash(string folder, string trash, string name)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }
        Directory.CreateDirectory(trash);
        string target = Path.Combine(trash, name);
        if (Directory.Exists(target))
        {
            DeleteTree(target); // an earlier removal of the same checkpoint was interrupted after its move
        }
        Directory.Move(folder, target);
        SyncQuietly(Path.GetDirectoryName(folder)!);
    }

    // Deletes a tree nobody else uses any more. Retries: a recursive delete reports "not empty" when an entry
    // escaped its enumeration, and a second pass removes it; a tree that is already gone is fine.
    private static void DeleteTree(string path)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(10 * attempt);
            }
        }
    }

    // The rename must survive a power loss before the files it moved are deleted; where a directory cannot be
    // synced (no such call on Windows) the rename is still atomic, which is what a process crash needs.
    private static void SyncQuietly(string directory)
    {
        try
        {
            Snapshots.DurableFiles.SyncDirectory(directory);
        }
        catch (IOException)
        {
        }
    }
}
