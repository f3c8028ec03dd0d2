using System.Buffers;
using System.Text;
using System.Text.Json;
using Attribution.Testing.Codecs;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using BenchmarkDotNet.Attributes;

namespace Attribution.Bench.Codecs;

/// <summary>
/// Wire-format costs per event: decoding clicks and conversions (JSON vs MessagePack), writing attributed outputs, and
/// a <c>JsonSerializer</c> baseline. Every codec path should report 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private const int MaxRecordBytes = 64 * 1024;

    private static readonly JsonSerializerOptions SerializerOptions = new();

    private readonly byte[] _clickJson = Encoding.UTF8.GetBytes(
        """{"event_type":"click","event_id":"c-1","user_id":"user-123","campaign_id":"camp-789","ad_id":"ad-456","source":"facebook","timestamp":1678886400000,"metadata":{"geo":"US"}}""");
    private readonly byte[] _conversionJson = Encoding.UTF8.GetBytes(
        """{"event_type":"conversion","event_id":"v-1","user_id":"user-123","campaign_id":"camp-789","type":"purchase","value":19.99,"source":"ios_app","timestamp":1678890000000}""");

    private readonly AttributionJsonWriter _jsonWriter = new();
    private readonly AttributionMessagePackWriter _packWriter = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly byte[] _span = new byte[4096];

    private byte[] _clickPack = [];
    private byte[] _conversionPack = [];
    private EventRecord _record;
    private EventRecord _click;
    private EventRecord _conversion;

    /// <summary>Decodes the samples once and encodes their MessagePack forms.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Check(JsonEventReader.Read(_clickJson, ref _click, MaxRecordBytes));
        Check(JsonEventReader.Read(_conversionJson, ref _conversion, MaxRecordBytes));
        var events = new MessagePackEventWriter();
        var buffer = new ArrayBufferWriter<byte>();
        events.Write(buffer, _click);
        _clickPack = buffer.WrittenSpan.ToArray();
        buffer.ResetWrittenCount();
        events.Write(buffer, _conversion);
        _conversionPack = buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Description = "decode click JSON")]
    public RejectReason DecodeClickJson() => JsonEventReader.Read(_clickJson, ref _record, MaxRecordBytes);

    [Benchmark(Description = "decode conversion JSON")]
    public RejectReason DecodeConversionJson() => JsonEventReader.Read(_conversionJson, ref _record, MaxRecordBytes);

    [Benchmark(Description = "decode click JSON (Utf8JsonReader path alone)")]
    public RejectReason DecodeClickJsonExact() => JsonEventReader.ReadExact(_clickJson, ref _record, MaxRecordBytes);

    [Benchmark(Description = "decode conversion JSON (Utf8JsonReader path alone)")]
    public RejectReason DecodeConversionJsonExact() => JsonEventReader.ReadExact(_conversionJson, ref _record, MaxRecordBytes);

    [Benchmark(Description = "decode click MessagePack")]
    public RejectReason DecodeClickMessagePack() => MessagePackEventReader.Read((ReadOnlySpan<byte>)_clickPack, ref _record, MaxRecordBytes);

    [Benchmark(Description = "decode conversion MessagePack")]
    public RejectReason DecodeConversionMessagePack() => MessagePackEventReader.Read((ReadOnlySpan<byte>)_conversionPack, ref _record, MaxRecordBytes);

    [Benchmark(Description = "decode conversion MessagePack (memory)")]
    public RejectReason DecodeConversionMessagePackMemory() => MessagePackEventReader.Read(_conversionPack.AsMemory(), ref _record, MaxRecordBytes);

    [Benchmark(Description = "baseline: JsonSerializer click class")]
    public ClickClass? DeserializeClickClass() => JsonSerializer.Deserialize<ClickClass>(_clickJson, SerializerOptions);

    [Benchmark(Description = "write output JSON (IBufferWriter)")]
    public int WriteOutputJson()
    {
        _output.ResetWrittenCount();
        _jsonWriter.Write(_output, _conversion, View(), 24);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "write output JSON (span)")]
    public int WriteOutputJsonSpan() => _jsonWriter.Write(_span, _conversion, View(), 24);

    [Benchmark(Description = "write output MessagePack")]
    public int WriteOutputMessagePack()
    {
        _output.ResetWrittenCount();
        _packWriter.Write(_output, _conversion, View(), 24);
        return _output.WrittenCount;
    }

    private ClickView View() => new(_click.Get(_click.EventId), _click.Get(_click.AdId), _click.Get(_click.Source), _click.Timestamp);

    private static void Check(RejectReason reason)
    {
        if (reason != RejectReason.None)
        {
            throw new InvalidOperationException($"Sample rejected: {RejectReasons.Name(reason)}");
        }
    }
}
