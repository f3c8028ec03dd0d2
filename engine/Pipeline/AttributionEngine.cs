using System.Diagnostics;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// The engine: a source thread submits records, which are decoded straight into preallocated ring
/// slots; N shard threads (one <see cref="ShardHandler"/> each) apply the events of their partitions
/// to their FASTER state and hand attributions to an <see cref="IEngineOutput"/>.
/// </summary>
/// <remarks>
/// Thread rules: <see cref="Submit"/> from one thread at a time unless <see cref="EngineOptions.MultiProducer"/>;
/// <see cref="Flush"/>, <see cref="Execute"/> and <see cref="GetCounters"/> from any thread;
/// <see cref="Dispose"/> once, after submitters stopped. Outputs arrive on shard threads.
/// </remarks>
public sealed class AttributionEngine : IDisposable
{
    private readonly EventPipeline<EngineSlot> _pipeline;
    private readonly RingBuffer<EngineSlot> _ring;
    private readonly ShardHandler[] _shards;
    private readonly RecordAndContinuePolicy _faults;
    private readonly AttributionCounters _rejections = new();
    private readonly object _rejectionLock = new();
    private readonly int _partitions;
    private readonly int _maxRecordBytes;
    private readonly string _stateDirectory;
    private readonly bool _ownsStateDirectory;
    private int _disposed;

    /// <summary>Opens the engine: creates (or reuses) the state directory and starts the shard threads.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message says why in one sentence).</exception>
    public AttributionEngine(EngineOptions options, IEngineOutput output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        Options = options;
        _partitions = options.Attribution.Partitions;
        _maxRecordBytes = options.Attribution.MaxRecordBytes;
        _ownsStateDirectory = options.StateDirectory is null;
        _stateDirectory = options.StateDirectory ?? Path.Combine(Path.GetTempPath(), "attribution-state-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_stateDirectory);

        _shards = new ShardHandler[options.Shards];
        try
        {
            for (int i = 0; i < _shards.Length; i++)
            {
                string dir = Path.Combine(_stateDirectory, $"shard-{i}");
                var clicks = FasterStateTable.Create(new FasterStateTableOptions
                {
                    Directory = dir,
                    Name = "clicks",
                    IndexBuckets = options.IndexBuckets,
                    MemoryBytes = options.ClickMemoryBytes,
                    DeleteOnDispose = _ownsStateDirectory,
                });
                var conversions = FasterStateTable.Create(new FasterStateTableOptions
                {
                    Directory = dir,
                    Name = "conversions",
                    IndexBuckets = options.IndexBuckets,
                    MemoryBytes = options.ConversionMemoryBytes,
                    DeleteOnDispose = _ownsStateDirectory,
                });
                _shards[i] = new ShardHandler(i, options, clicks, conversions, output);
            }
        }
        catch
        {
            foreach (var s in _shards)
            {
                s?.Dispose();
            }
            throw;
        }

        _faults = new RecordAndContinuePolicy();
        _pipeline = new EventPipeline<EngineSlot>(options.RingSize,
            options.MultiProducer ? ProducerType.Multi : ProducerType.Single, CreateWait(options.Wait), _faults);
        _ring = _pipeline.Ring;
        _pipeline.HandleEventsWith("shard", _shards);
        _pipeline.Start();
    }

    /// <summary>The options the engine was opened with.</summary>
    public EngineOptions Options { get; }

    /// <summary>The shards (their state may be read only while the engine is flushed and idle).</summary>
    public IReadOnlyList<ShardHandler> Shards => _shards;

    /// <summary>The state directory in use.</summary>
    public string StateDirectory => _stateDirectory;

    /// <summary>Handler exceptions so far (each one an event that could not be applied; see <see cref="RecentFaults"/>).</summary>
    public long FaultCount => _faults.FaultCount;

    /// <summary>The most recent handler faults.</summary>
    public HandlerFault[] RecentFaults() => _faults.RecentFaults();

    /// <summary>
    /// Decodes one record straight into the next ring slot and publishes it. Returns
    /// <see cref="RejectReason.None"/> when accepted, else why it was rejected (counted; the caller
    /// dead-letters it). <paramref name="partition"/> &lt; 0 means hash(user_id) mod P. Blocks while the ring is full.
    /// </summary>
    public RejectReason Submit(ReadOnlySpan<byte> record, long position = 0, int partition = -1, WireFormat format = WireFormat.Json)
    {
        long seq = _ring.Next();
        ref EngineSlot slot = ref _ring[seq];
        slot.Command = null;
        slot.Record.Partition = 0;
        slot.Record.Position = position;
        slot.Record.IngestTicks = Stopwatch.GetTimestamp();
        RejectReason reason = format == WireFormat.Json
            ? JsonEventReader.Read(record, ref slot.Record, _maxRecordBytes)
            : MessagePackEventReader.Read(record, ref slot.Record, _maxRecordBytes);
        if (reason == RejectReason.None)
        {
            if ((uint)partition >= PartitionWatermarks.MaxPartitions)
            {
                partition = UserPartitioner.Partition(slot.Record.Get(slot.Record.UserId), _partitions);
            }
            slot.Record.Partition = partition;
            slot.Kind = SlotKind.Event;
        }
        else
        {
            // The sequence is claimed and must be published; the shards skip it.
            slot.Kind = SlotKind.Skip;
            CountRejected(reason);
        }
        _ring.Publish(seq);
        return reason;
    }

    /// <summary>Counts a record rejected before it reached <see cref="Submit"/> (e.g. an empty Kafka value).</summary>
    public void CountRejected(RejectReason reason)
    {
        lock (_rejectionLock)
        {
            _rejections.RecordRejected(reason);
        }
    }

    /// <summary>Waits until every event submitted before the call is applied and its outputs delivered.</summary>
    public void Flush(TimeSpan? timeout = null) => Execute(new FlushCommand(), timeout ?? TimeSpan.FromMinutes(5));

    /// <summary>Runs <paramref name="command"/> on every shard at this point of the stream and waits for it.</summary>
    /// <exception cref="TimeoutException">The shards did not all finish within <paramref name="timeout"/>.</exception>
    public void Execute(ShardCommand command, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Arm(_shards.Length);
        long seq = _ring.Next();
        ref EngineSlot slot = ref _ring[seq];
        slot.Kind = SlotKind.Command;
        slot.Command = command;
        _ring.Publish(seq);
        if (!command.Wait(timeout))
        {
            throw new TimeoutException($"The shards did not finish {command.GetType().Name} within {timeout.TotalSeconds:F0} s.");
        }
    }

    /// <summary>Sums the counters of every shard and the producer's rejections (exact after <see cref="Flush"/>).</summary>
    public AttributionCounters GetCounters()
    {
        var total = new AttributionCounters();
        foreach (var s in _shards)
        {
            total.Add(s.Core.Counters);
        }
        lock (_rejectionLock)
        {
            total.Add(_rejections);
        }
        return total;
    }

    /// <summary>Live state entries (clicks, conversion ids) over all shards; call while flushed and idle.</summary>
    public (long Clicks, long Conversions) StateCounts()
    {
        long c = 0, v = 0;
        foreach (var s in _shards)
        {
            c += s.Core.Clicks.Count;
            v += s.Core.Conversions.Count;
        }
        return (c, v);
    }

    /// <summary>Applies everything submitted, delivers its outputs, stops the shards and closes the state.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _pipeline.DrainAndStop(TimeSpan.FromMinutes(5));
        foreach (var s in _shards)
        {
            s.Dispose();
        }
        if (_ownsStateDirectory)
        {
            try
            {
                Directory.Delete(_stateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory left behind is harmless; never fail a clean shutdown for it.
            }
        }
    }

    private static IWaitStrategy CreateWait(WaitKind kind) => kind switch
    {
        WaitKind.BusySpin => new BusySpinWaitStrategy(),
        WaitKind.Blocking => new BlockingWaitStrategy(),
        WaitKind.Sleeping => new SleepingWaitStrategy(),
        _ => new YieldingWaitStrategy(),
    };
}
