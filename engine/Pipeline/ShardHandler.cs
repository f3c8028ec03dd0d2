using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;
using Attribution.Engine.Snapshots;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// One shard: a single thread that owns the state of the partitions p with p mod N = its index, in
/// its own FASTER tables. It reads every ring slot, applies the events of its partitions, encodes
/// attributions into its <see cref="OutputBatch"/> and delivers the batch at the end of each ring
/// batch. No locks on this path: the ring's sequences are the only shared state.
/// </summary>
internal sealed partial class ShardHandler : IEventHandler<EngineSlot>, IPrefetchingEventHandler<EngineSlot>, IIdleWorkHandler, IDisposable
{
    private readonly int _shards;
    private readonly IEngineOutput _output;
    private readonly IAttributionWriter _writer;
    private readonly bool _lineFeed;
    private readonly double _windowHours;
    private readonly long _expireEvery;
    private readonly long _expireSpan;
    private readonly OutputBatch _batch;
    private long[] _positions;
    private long _maxEventTime = long.MinValue;
    private long _lastSweepEventTime = long.MinValue;
    // Per partition: outputs of conversions at or before this position are suppressed (silent
    // replay after recovery). Null until the first SetSilentUntil; read only when attributing.
    private long[]? _silentUntil;
    // Position of the last record of any partition (this shard's or not, accepted or rejected):
    // every shard sees every slot, so at a cut all agree on it.
    private long _lastPosition = -1;
    private volatile bool _checkpointInFlight;
    // Set when the shard's own output or state could not be written: from then on it applies nothing
    // and refuses every command with this error, so no snapshot can record a position past the fault.
    private ShardFailedException? _failure;
    private readonly Action<ShardFailedException>? _onFailure;

    internal ShardHandler(int index, EngineOptions options, FasterStateTable clicks, FasterStateTable conversions, IEngineOutput output,
        Action<ShardFailedException>? onFailure = null)
    {
        _onFailure = onFailure;
        clicks.IoErrors.LogWriteFailed = OnStateWriteFailed;
        conversions.IoErrors.LogWriteFailed = OnStateWriteFailed;
        Index = index;
        _shards = options.Shards;
        _output = output;
        Core = new AttributionCore<FasterStateTable>(options.Attribution, clicks, conversions);
        _writer = options.OutputFormat == WireFormat.Json ? new AttributionJsonWriter() : new AttributionMessagePackWriter();
        _lineFeed = options.OutputFormat == WireFormat.Json;
        _windowHours = options.Attribution.WindowHours;
        _expireEvery = options.ExpireEveryEvents;
        _expireSpan = Math.Max(1, (options.Attribution.WindowMs + options.Attribution.AllowedLatenessMs) / 4);
        _batch = new OutputBatch(index);
        _positions = new long[Math.Max(1, options.Attribution.Partitions)];
        Array.Fill(_positions, -1L);
    }

    /// <summary>The shard's index (it owns partitions p with p mod N = Index).</summary>
    public int Index { get; }

    /// <summary>Whether input partition <paramref name="partition"/> lives on this shard.</summary>
    public bool Owns(int partition) => partition >= 0 && partition % _shards == Index;

    /// <summary>The attribution core and its state (touch only from this shard's thread, or while stopped).</summary>
    public AttributionCore<FasterStateTable> Core { get; }

    /// <summary>Position of the last event applied per partition (-1 = none); read by snapshots on this thread.</summary>
    public ReadOnlySpan<long> Positions => _positions;

    /// <summary>Attributions not delivered because their conversion was within a silent-replay range.</summary>
    public long SilencedOutputs { get; private set; }

    /// <summary>
    /// Set from the cut until the snapshot's checkpoints are durable. Whole sweeps wait meanwhile (the
    /// tables hold back the compaction steps of a pass themselves): a compaction moves records of the
    /// checkpointed version to the tail as next-version records and advances the log begin, which
    /// would drop them from the checkpoint being written.
    /// </summary>
    internal bool CheckpointInFlight
    {
        get => _checkpointInFlight;
        set => _checkpointInFlight = value;
    }

    /// <summary>Sets a partition's applied position (recovery).</summary>
    public void SetPosition(int partition, long position)
    {
        EnsurePartition(partition);
        _positions[partition] = position;
    }

    /// <summary>Why this shard stopped (its output or state could not be written), or null while it runs.</summary>
    public ShardFailedException? Failure => Volatile.Read(ref _failure);

    /// <inheritdoc/>
    public void OnEvent(ref EngineSlot slot, long sequence, bool endOfBatch)
    {
        if (_failure is not null)
        {
            if (slot.Kind == SlotKind.Command)
            {
                slot.Command!.Refuse(this, _failure);
            }
            return;
        }
        try
        {
            Handle(ref slot, endOfBatch);
        }
        catch (Exception e) when (IsStateFault(e))
        {
            // Not the record's fault: the state cannot be trusted any more (a bad record is rethrown and counted).
            // (A command slot never gets here: Deliver and Complete keep their own errors.)
            Fail(StateFaultMessage(e), e);
        }
    }

    private void Handle(ref EngineSlot slot, bool endOfBatch)
    {
        if (slot.Kind != SlotKind.Command)
        {
            _lastPosition = slot.Record.Position;
        }
        if (slot.Kind == SlotKind.Event)
        {
            ref EventRecord record = ref slot.Record;
            if (record.Partition % _shards == Index)
            {
                Apply(ref record);
            }
        }
        else if (slot.Kind == SlotKind.Command)
        {
            Deliver();
            if (_failure is not null)
            {
                slot.Command!.Refuse(this, _failure);
                return;
            }
            slot.Command!.Complete(this);
        }
        else if (slot.Record.Partition >= 0 && slot.Record.Partition % _shards == Index)
        {
            // A rejected record of a known partition is consumed too: its position counts as applied.
            int p = slot.Record.Partition;
            EnsurePartition(p);
            _positions[p] = slot.Record.Position;
        }
        if (endOfBatch)
        {
            Deliver();
            CheckStateWrites();
        }
    }

    // FASTER writes evicted log pages in the background and only logs a failure; a page that was not
    // written is a hole in the state, so the shard stops at the end of the batch that sees it.
    private void CheckStateWrites()
    {
        var clicks = Core.Clicks.IoErrors;
        var conversions = Core.Conversions.IoErrors;
        if ((clicks.LogWriteErrors | conversions.LogWriteErrors) != 0)
        {
            // The table that counted the error has its words set before its count (IoErrorLog.Record).
            string cause = (clicks.LogWriteErrors != 0 ? clicks.LastError : conversions.LastError)!;
            Fail($"Shard {Index} stopped because its state could not be written: {cause}.", new IOException(cause));
        }
    }

    // On an I/O thread: the engine learns now, even if this shard's thread is blocked in FASTER from here on
    // (the shard itself stops at its next batch end, if it gets there).
    private void OnStateWriteFailed(string cause)
        => _onFailure?.Invoke(new ShardFailedException(Index, $"Shard {Index} stopped because its state could not be written: {cause}.", new IOException(cause)));

    private string StateFaultMessage(Exception e) => $"Shard {Index} stopped because its state could not be read or written: {e.Message.TrimEnd('.')}.";

    private static bool IsStateFault(Exception e)
        => e is IOException or UnauthorizedAccessException or InvalidDataException or ObjectDisposedException or FASTER.core.FasterException
            || (e is InvalidOperationException && e.Message.StartsWith("FASTER ", StringComparison.Ordinal));

    private void Fail(string message, Exception cause)
    {
        if (_failure is not null)
        {
            return;
        }
        var failure = new ShardFailedException(Index, message, cause);
        Volatile.Write(ref _failure, failure);
        _batch.Clear();
        _onFailure?.Invoke(failure);
    }
    private void Apply(ref EventRecord record)
    {
        var sink = new Sink(this);
        Core.Process(ref record, ref sink);
        int p = record.Partition;
        EnsurePartition(p);
        _positions[p] = record.Position;
        // The partition's watermark, not the raw timestamp: an event the guard holds back must not stall the sweep cadence.
        long watermark = Core.Watermarks.Get(p);
        if (watermark > _maxEventTime)
        {
            _maxEventTime = watermark;
        }
        AdvanceExpiry();
    }

    private void EnsurePartition(int p)
    {
        if (p >= _positions.Length)
        {
            int old = _positions.Length;
            Array.Resize(ref _positions, Math.Max(p + 1, old * 2));
            _positions.AsSpan(old).Fill(-1L);
        }
    }

    private void Emit(ref EventRecord conversion, scoped in ClickView click)
    {
        if (_failure is not null)
        {
            return; // the output failed earlier in this event: nothing more is delivered
        }
        long[]? silent = _silentUntil;
        if (silent is not null && (uint)conversion.Partition < (uint)silent.Length && conversion.Position <= silent[conversion.Partition])
        {
            SilencedOutputs++;
            return;
        }
        var entry = new OutputEntry
        {
            Partition = conversion.Partition,
            Position = conversion.Position,
            IngestTicks = conversion.IngestTicks,
        };
        ReadOnlySpan<byte> key = conversion.Get(conversion.UserId);
        entry.KeyOffset = _batch.AppendKey(key);
        entry.KeyLength = key.Length;
        entry.ValueOffset = _batch.Position;
        _writer.Write(_batch, in conversion, in click, _windowHours);
        entry.ValueLength = _batch.Position - entry.ValueOffset;
        if (_lineFeed)
        {
            _batch.GetSpan(1)[0] = (byte)'\n';
            _batch.Advance(1);
        }
        _batch.AddEntry(in entry);
        if (_batch.Full)
        {
            Deliver(); // bounded batches: a shard far behind the ring delivers in pieces, never grows its buffers
        }
    }

    private void Deliver()
    {
        if (_batch.Count > 0 && _failure is null)
        {
            try
            {
                _output.Deliver(_batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever the sink throws, the outputs are lost to it: the engine must stop, never skip them.
                Fail($"Shard {Index} stopped because its output could not be delivered: {e.Message.TrimEnd('.')}.", e);
                return;
            }
            _batch.Clear();
        }
    }

    /// <summary>
    /// The cut of a snapshot, on this shard's thread: the applied position and watermark of each of
    /// its partitions, and the start of a checkpoint of each table (see
    /// <see cref="FasterStateTable.BeginCheckpoint"/>). <paramref name="cut"/> records what was begun
    /// even when the second table fails, so the caller can finish and discard it.
    /// </summary>
    internal void BeginSnapshot(ShardCut cut)
    {
        PartitionWatermarks watermarks = Core.Watermarks;
        int count = Math.Max(_positions.Length, watermarks.Capacity);
        for (int p = Index; p < count; p += _shards)
        {
            long position = p < _positions.Length ? _positions[p] : -1;
            long watermark = watermarks.Get(p);
            if (position >= 0 || watermark != PartitionWatermarks.None)
            {
                cut.Partitions.Add(new PartitionCut { Partition = p, Position = position, Watermark = watermark });
            }
        }
        cut.LastPosition = _lastPosition;
        _checkpointInFlight = true;
        cut.Clicks = Core.Clicks.BeginCheckpoint();
        cut.Conversions = Core.Conversions.BeginCheckpoint();
    }

    /// <summary>Restores positions and watermarks of recovered partitions (before the shard starts).</summary>
    internal void Restore(IEnumerable<PartitionCut> partitions, long lastPosition)
    {
        _lastPosition = lastPosition;
        foreach (PartitionCut cut in partitions)
        {
            if (cut.Partition % _shards != Index)
            {
                continue;
            }
            SetPosition(cut.Partition, cut.Position);
            if (cut.Watermark != PartitionWatermarks.None)
            {
                Core.Watermarks.Set(cut.Partition, cut.Watermark);
                _maxEventTime = Math.Max(_maxEventTime, cut.Watermark);
            }
        }
        _lastSweepEventTime = _maxEventTime;
    }

    /// <summary>Suppresses outputs of <paramref name="partition"/>'s conversions at or before <paramref name="position"/> (on this shard's thread).</summary>
    internal void SetSilentUntil(int partition, long position)
    {
        if (partition % _shards != Index)
        {
            return;
        }
        if (_silentUntil is null || partition >= _silentUntil.Length)
        {
            int old = _silentUntil?.Length ?? 0;
            Array.Resize(ref _silentUntil, Math.Max(partition + 1, Math.Max(_positions.Length, old * 2)));
            _silentUntil.AsSpan(old).Fill(long.MinValue);
        }
        _silentUntil[partition] = position;
    }

    /// <inheritdoc/>
    public void OnBatchStart(long batchSize)
    {
    }

    /// <inheritdoc/>
    public void OnStart()
    {
    }

    /// <inheritdoc/>
    public void OnShutdown() => Deliver();

    /// <inheritdoc/>
    public void Dispose()
    {
        Core.Clicks.Dispose();
        Core.Conversions.Dispose();
    }

    private readonly struct Sink(ShardHandler shard) : IAttributionSink
    {
        public void OnAttributed(ref EventRecord conversion, scoped in ClickView click) => shard.Emit(ref conversion, in click);
    }
}
