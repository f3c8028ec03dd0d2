using Attribution.Engine.Attribution;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

/// <summary>Writes one partition's state to a file on the shard that owns it (p mod N), at this point of the stream.</summary>
internal sealed class ExportPartitionCommand(int partition, string path) : ShardCommand
{
    private long[] _pending = [];

    public PartitionStateInfo? Result { get; private set; }

    internal override bool UsesProducerState => true;

    // The guard's pending event times at the export's place in the stream belong to the file.
    internal override void OnPost(EventTimeGuard guard) => _pending = guard.Pending(partition);

    public override void Execute(ShardHandler shard)
    {
        if (shard.Owns(partition))
        {
            Result = PartitionStateFiles.Export(shard, partition, path, _pending);
        }
    }
}

/// <summary>Replaces one partition's state with a file's, on the shard that owns it.</summary>
/// <remarks>The engine hands the file's guard state to the event-time guard once every shard has run it.</remarks>
internal sealed class ImportPartitionCommand(int partition, string path) : ShardCommand
{
    public PartitionStateInfo? Result { get; private set; }

    public override void Execute(ShardHandler shard)
    {
        if (shard.Owns(partition))
        {
            Result = PartitionStateFile.Load(path, shard.Core, partition);
            shard.SetPosition(partition, Result.Position);
        }
    }
}

/// <summary>File handling of partition state exports: the file's writer lock, a temp file, fsync, atomic rename over the target.</summary>
internal static class PartitionStateFiles
{
    public static PartitionStateInfo Export(ShardHandler shard, int partition, string path, long[] pending)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        // Two hosts may export the same partition during a rebalance (into a shared directory): one writer at a
        // time per file (pid-based temp names repeat across containers), so one temp name serves, and a killed
        // writer's temp file is simply overwritten by the next.
        using StateDirectoryLock writing = StateDirectoryLock.AcquireEntry(path);
        string temp = path + ".tmp";
        long position = partition < shard.Positions.Length ? shard.Positions[partition] : -1;
        PartitionStateInfo info;
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                info = PartitionStateFile.Write(stream, shard.Core, partition, position, pending);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            DurableFiles.TryDelete(temp);
            throw;
        }
        if (directory is not null)
        {
            DurableFiles.SyncDirectory(directory);
        }
        return info;
    }
}
