using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;
using Attribution.Engine.Snapshots;

namespace Attribution.Engine.Pipeline;

public sealed partial class AttributionEngine
{
    /// <summary>Waits until every event submitted before the call is applied and its outputs delivered.</summary>
    public void Flush(TimeSpan? timeout = null) => Execute(new FlushCommand(), timeout ?? TimeSpan.FromMinutes(5));

    /// <summary>
    /// Writes the state of input partition <paramref name="partition"/> (both tables, its watermark and the last
    /// position applied) to <paramref name="path"/> at this point of the stream, atomically (temp file, fsync,
    /// rename). Same thread rules as <see cref="Submit"/>. See <see cref="PartitionStateFile"/>.
    /// </summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    public PartitionStateInfo ExportPartition(int partition, string path, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var command = new ExportPartitionCommand(partition, path);
        try
        {
            Execute(command, timeout ?? TimeSpan.FromMinutes(5));
        }
        catch (InvalidOperationException e) when (e.InnerException is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The state of partition {partition} could not be written to '{path}': {e.InnerException.Message}", e.InnerException);
        }
        return command.Result!;
    }

    /// <summary>
    /// Replaces the state of input partition <paramref name="partition"/> with the one in <paramref name="path"/>
    /// (written by <see cref="ExportPartition"/>, here or on another host). The file is checked whole before any
    /// state changes; settings that change results (window, lateness, retention, click history) must match.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is damaged, of another partition or of other settings (the message says which).</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public PartitionStateInfo ImportPartition(int partition, string path, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var command = new ImportPartitionCommand(partition, path);
        try
        {
            if (_producerLock is null)
            {
                ImportNow(command, timeout);
            }
            else
            {
                // No event may be judged between the import's place in the ring and the guard taking the file's state.
                lock (_producerLock)
                {
                    ImportNow(command, timeout);
                }
            }
        }
        catch (InvalidOperationException e) when (e.InnerException is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw e.InnerException is InvalidDataException d ? new InvalidDataException(d.Message, d) : new IOException(e.InnerException.Message, e.InnerException);
        }
        return command.Result!;
    }

    private void ImportNow(ImportPartitionCommand command, TimeSpan? timeout)
    {
        Execute(command, timeout ?? TimeSpan.FromMinutes(5));
        PartitionStateInfo info = command.Result!;
        _guard.Restore(info.Partition, info.Watermark, info.PendingEventTimes);
    }

    /// <summary>
    /// The newest live click of (<paramref name="userId"/>, <paramref name="campaignId"/>) at this point of the stream
    /// (every event submitted before the call is applied), or null when there is none. Same thread rules as <see cref="Submit"/>.
    /// Allocates per call (not a per-event path).
    /// </summary>
    /// <exception cref="ArgumentException">An id is empty or longer than <see cref="EventRecord.MaxIdBytes"/> bytes.</exception>
    /// <exception cref="TimeoutException">The owning shard did not answer within <paramref name="timeout"/> (default 1 minute).</exception>
    /// <exception cref="ShardFailedException">A shard stopped because its output or state could not be written.</exception>
    public LastClick? FindLastClick(ReadOnlySpan<byte> userId, ReadOnlySpan<byte> campaignId, TimeSpan? timeout = null)
    {
        var query = new LastClickQuery(userId, campaignId, _partitions, _shards.Length);
        Execute(query, timeout ?? TimeSpan.FromMinutes(1));
        return query.Found ? new LastClick(query.ClickId, query.AdId, query.Source, query.Timestamp) : null;
    }

    /// <summary>Runs <paramref name="command"/> on every shard at this point of the stream and waits for it.</summary>
    /// <exception cref="TimeoutException">The shards did not all finish within <paramref name="timeout"/>.</exception>
    /// <exception cref="ShardFailedException">A shard stopped because its output or state could not be written.</exception>
    internal void Execute(ShardCommand command, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Volatile.Read(ref _failure) is { } failure)
        {
            ThrowFailed(failure);
        }
        Post(command);
        // In slices, so a shard that failed (and may never reach the command) is reported at once, not at the timeout.
        long deadline = Deadline.After(timeout);
        while (!command.Wait(TimeSpan.FromMilliseconds(Math.Min(100, Math.Max(1, Deadline.RemainingMilliseconds(deadline))))))
        {
            if (Volatile.Read(ref _failure) is { } failed)
            {
                ThrowFailed(failed);
            }
            if (Deadline.RemainingMilliseconds(deadline) <= 0)
            {
                throw new TimeoutException($"The shards did not finish {command.GetType().Name} within {timeout.TotalSeconds:F0} s.");
            }
        }
    }

    // Publishes a command without waiting for it (same thread rules as Submit).
    private void Post(ShardCommand command)
    {
        command.Arm(_shards.Length);
        if (_producerLock is null || !command.UsesProducerState)
        {
            PostNow(command);
            return;
        }
        lock (_producerLock)
        {
            PostNow(command);
        }
    }

    private void PostNow(ShardCommand command)
    {
        // The guard's state at this point of the ring belongs to the command's cut (snapshot, export).
        command.OnPost(_guard);
        long seq = Next();
        ref EngineSlot slot = ref _ring[seq];
        slot.Kind = SlotKind.Command;
        slot.Command = command;
        _ring.Publish(seq);
    }

    /// <summary>
    /// Deletes the state of <paramref name="partitions"/> at this point of the stream (each shard drops the ones it owns)
    /// and forgets their event time, so a partition that comes back is rebuilt from its input. Same thread rules as <see cref="Submit"/>.
    /// </summary>
    /// <exception cref="TimeoutException">The shards did not finish within <paramref name="timeout"/>.</exception>
    public void DropPartitions(IReadOnlyCollection<int> partitions, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (int p in partitions)
        {
            if ((uint)p >= PartitionWatermarks.MaxPartitions)
            {
                throw new ArgumentOutOfRangeException(nameof(partitions), p, $"A partition must be between 0 and {PartitionWatermarks.MaxPartitions - 1}.");
            }
        }
        Execute(new DropPartitionsCommand(partitions), timeout ?? TimeSpan.FromMinutes(5));
    }
}
