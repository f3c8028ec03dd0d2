using System.Globalization;

namespace Attribution.Host.Replay;

/// <summary>
/// Makes the output and dead-letter files durable before a snapshot's manifest records their lengths
/// (<c>EngineOptions.BeforeSnapshotManifest</c>): after a power loss a resume then finds at least the
/// bytes the manifest promises. Refuses (fails the snapshot) if a manifest would record more than is synced.
/// </summary>
internal sealed class ReplayDurability(Action<ReplaySync>? observer)
{
    private FileStream? _output;
    private FileStream? _deadLetters;

    /// <summary>The files to sync, once open (before the first snapshot is cut).</summary>
    public void Attach(FileStream output, FileStream? deadLetters)
    {
        Volatile.Write(ref _deadLetters, deadLetters);
        Volatile.Write(ref _output, output);
    }

    /// <summary>Runs on the thread completing snapshot <paramref name="sequence"/>, before its manifest is written.</summary>
    public void Sync(long sequence, IReadOnlyDictionary<string, string> extras)
    {
        FileStream output = Volatile.Read(ref _output) ?? throw new IOException("the output file is not open yet");
        long outputRecorded = Length(extras, ReplayCommand.OutputBytesKey);
        long outputSynced = SyncFile(output);
        long deadLettersRecorded = extras.ContainsKey(ReplayCommand.DeadLetterBytesKey) ? Length(extras, ReplayCommand.DeadLetterBytesKey) : 0;
        long deadLettersSynced = Volatile.Read(ref _deadLetters) is { } d ? SyncFile(d) : 0;
        if (outputRecorded > outputSynced || deadLettersRecorded > deadLettersSynced)
        {
            throw new IOException($"the snapshot would record {outputRecorded} output and {deadLettersRecorded} dead-letter bytes but only {outputSynced} and {deadLettersSynced} are on disk");
        }
        observer?.Invoke(new ReplaySync(sequence, outputRecorded, outputSynced, deadLettersRecorded, deadLettersSynced));
    }

    // The length is read before the fsync: every byte below it was written before the fsync began, so it is durable after.
    private static long SyncFile(FileStream file)
    {
        long length = RandomAccess.GetLength(file.SafeFileHandle);
        file.Flush(flushToDisk: true);
        return length;
    }

    private static long Length(IReadOnlyDictionary<string, string> extras, string key)
        => extras.TryGetValue(key, out string? text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new IOException($"the snapshot's '{key}' entry is missing");
}
