using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The only owner of per-partition resume state: the slots of the owned partitions (offsets consumed and
/// committed, the recovery point), the positions of the recovered snapshot, the engine's silent range, and
/// the decisions to import or export a partition's state through the shared directory.
/// </summary>
/// <remarks>Changed on the transaction loop's thread only (assignment, release, rewind run there as work
/// items); shard threads, the source thread and observers read the slots lock-free.</remarks>
internal sealed class PartitionTable
{
    private static readonly TimeSpan EngineTimeout = TimeSpan.FromSeconds(60);

    private readonly RunOptions _options;
    private readonly RunLog _log;
    private readonly PipelineStats _stats;
    private readonly DeadLetterQueue _deadLetters;
    private readonly RunState _state;
    private readonly PartitionDirectory _slots = new();
    // Snapshot positions of partitions whose engine state is still the recovered snapshot's (removed once assigned).
    private readonly Dictionary<int, long> _snapshotPositions = new();
    private AttributionEngine? _engine;
    private RecoveryPlanner? _planner;
    private PipelineObserver? _observer;

    /// <summary>Creates an empty table.</summary>
    public PartitionTable(RunOptions options, RunLog log, PipelineStats stats, DeadLetterQueue deadLetters, RunState state)
    {
        _options = options;
        _log = log;
        _stats = stats;
        _deadLetters = deadLetters;
        _state = state;
    }

    /// <summary>The slots, for lock-free readers (the output collector).</summary>
    public PartitionDirectory Slots => _slots;

    /// <summary>The slot of an owned partition, or null.</summary>
    public PartitionSlot? Get(int partition) => _slots.Get(partition);

    /// <summary>The owned slots (a copy).</summary>
    public List<PartitionSlot> Owned() => _slots.Owned();

    /// <summary>Fills <paramref name="into"/> with the owned slots without allocating.</summary>
    public void Owned(List<PartitionSlot> into) => _slots.Owned(into);

    /// <summary>The committed offset of an owned partition, or -1.</summary>
    public long CommittedOffset(int partition) => _slots.Get(partition) is { Owned: true } s ? s.Committed : -1;

    /// <summary>Whether every owned partition's consumed input is committed.</summary>
    public bool AllCommitted()
    {
        foreach (var slot in _slots.Owned())
        {
            if (slot.Committed < slot.ConsumedNext)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Takes the opened engine and the positions of the snapshot it recovered.</summary>
    public void Attach(AttributionEngine engine, RecoveryPlanner planner, PipelineObserver observer)
    {
        _engine = engine;
        _planner = planner;
        _observer = observer;
        if (engine.RecoveredSnapshot is { } snapshot)
        {
            foreach (var cut in snapshot.Partitions)
            {
                _snapshotPositions[cut.Partition] = cut.Position;
            }
            _log.Info("snapshot", $"recovered sequence={snapshot.Sequence} created={snapshot.CreatedAt:O} partitions={snapshot.Partitions.Count}");
        }
    }

    /// <summary>
    /// Recovers newly assigned partitions: plans them from Kafka, starts each from the recovered snapshot, a
    /// shared state file or a rebuild, sets the engine's silent range and installs fresh slots. Returns the
    /// plan, or null after a fatal error.
    /// </summary>
    public Dictionary<int, RecoveryPoint>? Assign(IReadOnlyList<int> partitions, IConsumer<RawValue, RawValue> consumer)
    {
        long started = Stopwatch.GetTimestamp();
        _observer!.Transactions.Enter("recover:plan");
        var plan = _planner!.PlanRetrying(partitions, consumer.Committed, _state);
        if (plan is null)
        {
            return null;
        }
        var engine = _engine!;
        _observer.Transactions.Enter("recover:drop_state");
        var drop = new List<int>();
        foreach (int p in partitions)
        {
            // The engine still holds p's state from the recovered snapshot, which covers input up to position s:
            // resuming after it is exact when s is committed (s + 1 <= C) and saves replaying [Start, s].
            if (_snapshotPositions.Remove(p, out long s) && s >= 0 && s + 1 > plan[p].Start && s + 1 <= plan[p].Committed)
            {
                plan[p] = plan[p] with { Start = s + 1 };
                _log.Info("recovery", $"partition={p} from_snapshot_position={s} rebuild_from={s + 1} committed={plan[p].Committed}");
            }
            else if (ImportShared(p, plan[p]) is { } imported)
            {
                plan[p] = plan[p] with { Start = imported + 1 };
            }
            else
            {
                drop.Add(p);
            }
        }
        engine.DropPartitions(drop, EngineTimeout);
        _observer.Transactions.Enter("recover:install");
        foreach (int p in partitions)
        {
            _deadLetters.Discard(p);
            // The one filter of silent replay: the engine encodes nothing for the rebuild range (always set: it
            // also clears an earlier assignment's range), posted through the ring ahead of the replayed input.
            engine.SetSilentUntil(p, plan[p].Committed - 1);
            var slot = new PartitionSlot(p, plan[p]) { RecoveryStartedAt = started };
            _slots.Set(slot);
            if (plan[p].Start >= plan[p].Committed)
            {
                _observer.Rebuilt(slot);
            }
        }
        return plan;
    }

    /// <summary>Gives up revoked partitions: exports their state when <paramref name="export"/> (all committed), then forgets and drops it.</summary>
    public void Release(IReadOnlyList<int> partitions, bool export)
    {
        foreach (int p in partitions)
        {
            if (export && _slots.Get(p) is { Owned: true } slot)
            {
                ExportShared(slot, "revoked");
            }
            _slots.Remove(p);
            _deadLetters.Discard(p);
        }
        DropState(partitions);
    }

    /// <summary>Forgets lost partitions (another host may own them already) and drops their state.</summary>
    public void Lose(IReadOnlyList<int> partitions)
    {
        foreach (int p in partitions)
        {
            _slots.Remove(p);
        }
        DropState(partitions);
    }

    /// <summary>Forgets every owned partition (a rewind recovers them again); returns them.</summary>
    public List<int> RemoveAll()
    {
        var partitions = _slots.Owned().Select(s => s.Partition).ToList();
        foreach (int p in partitions)
        {
            _slots.Remove(p);
        }
        return partitions;
    }

    /// <summary>Records the offset a committed transaction stored for a partition.</summary>
    public void Committed(int partition, long offset)
    {
        if (_slots.Get(partition) is { } slot)
        {
            slot.Committed = offset;
        }
    }

    /// <summary>Exports the partitions whose committed offset moved since their last export (at a snapshot interval).</summary>
    public void ExportChanged()
    {
        foreach (var slot in _slots.Owned())
        {
            if (slot.SharedExportedAt != slot.Committed && ExportShared(slot, "interval"))
            {
                slot.SharedExportedAt = slot.Committed;
            }
        }
    }

    /// <summary>
    /// Starts partition <paramref name="p"/> from its shared state file when one is usable: it covers input up to
    /// a position s with s + 1 at or before the committed offset (so no committed input is skipped) and at or
    /// after the rebuild start (so it saves re-reading). Returns s, or null (then the partition is re-read).
    /// </summary>
    private long? ImportShared(int p, RecoveryPoint point)
    {
        if (_options.SharedStateDirectory is null)
        {
            return null;
        }
        string path = _options.SharedStateFile(p);
        if (!File.Exists(path))
        {
            return null;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            // The header decides; the import checks the whole file (checksum, settings, partition) before it changes state.
            var (partition, position) = PartitionStateFile.ReadPosition(path);
            bool Usable(long s) => s + 1 <= point.Committed && s + 1 >= point.Start;
            if (!Usable(position) || partition != p)
            {
                _log.Info("shared_state", $"skipped partition={p} position={position} committed={point.Committed} rebuild_from={point.Start}");
                return null;
            }
            var info = _engine!.ImportPartition(p, path, EngineTimeout);
            if (!Usable(info.Position))
            {
                // Replaced by another writer since its header was read; null makes the caller drop what was imported.
                _log.Info("shared_state", $"skipped partition={p} position={info.Position} committed={point.Committed} rebuild_from={point.Start} (file replaced meanwhile)");
                return null;
            }
            _log.Info("shared_state", string.Create(CultureInfo.InvariantCulture,
                $"imported partition={p} position={info.Position} entries={info.Clicks + info.Conversions} bytes={info.Bytes} ms={clock.ElapsedMilliseconds} replay_from={info.Position + 1} committed={point.Committed}"));
            _stats.RecordSharedImport();
            return info.Position;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            _log.Warn("shared_state", $"unusable partition={p} file=\"{path}\" reason=\"{Sentences.First(e.Message)}\" (re-reading the input instead)");
            return null;
        }
    }

    /// <summary>Writes the state of a partition whose consumed input is all committed to the shared directory; false when skipped or failed.</summary>
    private bool ExportShared(PartitionSlot slot, string why)
    {
        if (_options.SharedStateDirectory is null || slot.Committed < slot.ConsumedNext)
        {
            return false;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            var info = _engine!.ExportPartition(slot.Partition, _options.SharedStateFile(slot.Partition), EngineTimeout);
            _log.Info("shared_state", string.Create(CultureInfo.InvariantCulture,
                $"exported partition={slot.Partition} position={info.Position} entries={info.Clicks + info.Conversions} bytes={info.Bytes} ms={clock.ElapsedMilliseconds} why={why}"));
            _stats.RecordSharedExport();
            return true;
        }
        catch (IOException e)
        {
            _log.Warn("shared_state", $"export_failed partition={slot.Partition} reason=\"{Sentences.First(e.Message)}\"");
            return false;
        }
    }

    /// <summary>Deletes the engine state of partitions this host gave up (a later assignment rebuilds it).</summary>
    private void DropState(IReadOnlyList<int> partitions)
    {
        if (partitions.Count == 0 || _engine is null || _state.Failed)
        {
            return;
        }
        try
        {
            _engine.DropPartitions(partitions.ToList(), EngineTimeout);
        }
        catch (TimeoutException e)
        {
            _log.Warn("rebalance", $"drop_state_timeout partitions={string.Join(",", partitions)} reason=\"{e.Message}\"");
        }
    }
}
