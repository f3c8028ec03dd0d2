using System.Buffers.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.State.Faster;
using BenchmarkDotNet.Attributes;

namespace Attribution.Bench.Engine;

/// <summary>
/// The engine's per-event work on one thread, without the ring hand-off: decode a generated JSON line
/// into an <see cref="EventRecord"/>, compute its partition from user_id (as Submit does), apply it with
/// <see cref="AttributionCore{TTable}"/> over two <see cref="FasterStateTable"/>s, and write each
/// attribution as JSON. Every operation should report 0 B allocated.
/// </summary>
/// <remarks>
/// The same 2^18 lines (10,000 users) are processed pass after pass. Between passes every timestamp is
/// moved forward by the pass's span + 26 h, so all state of the previous pass is expired and each pass
/// attributes exactly as the first; and expired state is swept as a shard does every 250,000 events.
/// Both costs (a 13-digit rewrite per line, the sweep) are amortised into the per-operation figure.
/// </remarks>
[MemoryDiagnoser]
public class EnginePathBenchmarks
{
    private const int LineCount = 1 << 18;
    private const int Batch = 1024;
    private const int Users = 10_000;
    private const int Campaigns = 50;
    private const int Seed = 7;

    private readonly AttributionConfig _config = new();
    private readonly AttributionJsonWriter _writer = new();
    private readonly byte[] _output = new byte[16 * 1024];
    private LineStore _lines = null!;
    private int[] _timestampAt = [];
    private long _shift;
    private string _directory = "";
    private FasterStateTable _clicks = null!;
    private FasterStateTable _conversions = null!;
    private AttributionCore<FasterStateTable> _core = null!;
    private EventRecord _record;
    private int _next;
    private int _decodeNext;
    private long _outputBytes;

    /// <summary>Generates the lines, opens the tables and runs one full pass (creates every key).</summary>
    [GlobalSetup]
    public void Setup()
    {
        Workload workload = WorkloadGenerator.Generate(LineCount, Users, Campaigns, Seed);
        _lines = workload.Lines;
        _timestampAt = new int[LineCount];
        for (int i = 0; i < LineCount; i++)
        {
            int at = _lines[i].IndexOf("\"timestamp\":"u8);
            if (at < 0)
            {
                throw new InvalidOperationException($"Generated line {i} has no timestamp.");
            }
            _timestampAt[i] = at + "\"timestamp\":"u8.Length;
        }
        _shift = workload.LastTimestamp - workload.FirstTimestamp + _config.WindowMs + _config.AllowedLatenessMs + AttributionConfig.HourMs;
        _directory = Path.Combine(Path.GetTempPath(), "attribution-bench-engine-" + Guid.NewGuid().ToString("N"));
        _clicks = FasterStateTable.Create(new FasterStateTableOptions
        {
            Directory = _directory, Name = "clicks", IndexBuckets = 1 << 16, MemoryBytes = 256L << 20, DeleteOnDispose = true,
        });
        _conversions = FasterStateTable.Create(new FasterStateTableOptions
        {
            Directory = _directory, Name = "conversions", IndexBuckets = 1 << 16, MemoryBytes = 64L << 20, DeleteOnDispose = true,
        });
        _core = new AttributionCore<FasterStateTable>(_config, _clicks, _conversions);
        for (int i = 0; i < LineCount / Batch; i++)
        {
            DecodeProcessWrite();
        }
    }

    /// <summary>Closes the tables and deletes their files.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _clicks.Dispose();
        _conversions.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }

    /// <summary>Decode only, into the same record (the producer's share of the work).</summary>
    [Benchmark(OperationsPerInvoke = Batch, Description = "decode JSON line")]
    public long Decode()
    {
        long sum = 0;
        int next = _decodeNext;
        for (int n = 0; n < Batch; n++)
        {
            if (JsonEventReader.Read(_lines[next], ref _record, _config.MaxRecordBytes) != RejectReason.None)
            {
                Rejected(next);
            }
            sum += _record.Timestamp;
            next = next + 1 == LineCount ? 0 : next + 1;
        }
        _decodeNext = next;
        return sum;
    }

    /// <summary>Decode, partition, attribute over FASTER, write the JSON output.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Description = "decode + partition + AttributionCore<FasterStateTable>.Process + write JSON output")]
    public long DecodeProcessWrite()
    {
        long attributed = 0;
        for (int n = 0; n < Batch; n++)
        {
            if (_next == LineCount)
            {
                NextPass();
            }
            int i = _next++;
            if (JsonEventReader.Read(_lines[i], ref _record, _config.MaxRecordBytes) != RejectReason.None)
            {
                Rejected(i);
            }
            _record.Partition = UserPartitioner.Partition(_record.Get(_record.UserId), _config.Partitions);
            var sink = new WritingSink(this);
            if (_core.Process(ref _record, ref sink) == AttributionOutcome.Attributed)
            {
                attributed++;
            }
        }
        return attributed + _outputBytes;
    }

    private void Write(ref EventRecord conversion, scoped in ClickView click)
    {
        int written = _writer.Write(_output, in conversion, in click, _config.WindowHours);
        if (written < 0)
        {
            throw new InvalidOperationException("The output buffer is too small.");
        }
        _outputBytes += written;
    }

    /// <summary>Moves every timestamp forward by one shift and sweeps expired state.</summary>
    private void NextPass()
    {
        for (int i = 0; i < LineCount; i++)
        {
            Span<byte> digits = _lines.Writable(i)[_timestampAt[i]..];
            if (!Utf8Parser.TryParse(digits, out long ts, out int length)
                || !Utf8Formatter.TryFormat(ts + _shift, digits, out int written) || written != length)
            {
                throw new InvalidOperationException($"Cannot move the timestamp of line {i}.");
            }
        }
        _core.Expire();
        _next = 0;
    }

    private void Rejected(int i) => throw new InvalidOperationException($"Generated line {i} was rejected.");

    private readonly struct WritingSink(EnginePathBenchmarks owner) : IAttributionSink
    {
        public void OnAttributed(ref EventRecord conversion, scoped in ClickView click) => owner.Write(ref conversion, in click);
    }
}
