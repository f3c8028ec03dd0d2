using System.Buffers;
using Attribution.Testing.Codecs;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using static Attribution.Tests.Engine.Codecs.CodecSamples;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>
/// Steady-state decoding and encoding allocate nothing: after a warm-up, a million decodes and a million writes are
/// measured on the test thread by the allocation gate.
/// </summary>
[Category(TestCategories.Slow)]
public class CodecAllocationTests
{
    private const int Iterations = 1_000_000;
    private const int WarmUp = 20_000;

    [Test]
    public void Decoding_a_million_json_events_and_writing_a_million_json_outputs_allocates_nothing()
    {
        byte[][] lines = Lines.Select(Utf8).ToArray();
        EventRecord click = DecodeJson(Click);
        EventRecord conversion = DecodeJson(Conversion);
        var writer = new AttributionJsonWriter();
        var output = new ArrayBufferWriter<byte>(4096);

        DecodeJsonLines(lines, WarmUp);
        long outputLength = WriteOutputs(writer, output, ref conversion, ref click, WarmUp) / WarmUp;

        long before = AllocationGate.ThreadBytes();
        int accepted = DecodeJsonLines(lines, Iterations);
        long written = WriteOutputs(writer, output, ref conversion, ref click, Iterations);
        long allocated = AllocationGate.ThreadBytes() - before;

        Assert.That(accepted, Is.EqualTo(Iterations), "every sample line decodes");
        Assert.That(written, Is.EqualTo(Iterations * outputLength).And.GreaterThan(0), "every output is written in full");
        AllocationGate.AssertNone(allocated, $"{Iterations:N0} JSON decodes and {Iterations:N0} JSON outputs");
    }

    [Test]
    public void Decoding_a_million_messagepack_events_and_writing_a_million_messagepack_outputs_allocates_nothing()
    {
        byte[][] packed = Lines.Select(l => ToMessagePack(DecodeJson(l))).ToArray();
        EventRecord click = DecodeJson(Click);
        EventRecord conversion = DecodeJson(Conversion);
        var writer = new AttributionMessagePackWriter();
        var output = new ArrayBufferWriter<byte>(4096);

        DecodePacked(packed, WarmUp, useMemory: false);
        DecodePacked(packed, WarmUp, useMemory: true);
        WriteOutputs(writer, output, ref conversion, ref click, WarmUp);

        long before = AllocationGate.ThreadBytes();
        int accepted = DecodePacked(packed, Iterations, useMemory: false);
        accepted += DecodePacked(packed, Iterations / 10, useMemory: true);
        long written = WriteOutputs(writer, output, ref conversion, ref click, Iterations);
        long allocated = AllocationGate.ThreadBytes() - before;

        Assert.That(accepted, Is.EqualTo(Iterations + (Iterations / 10)));
        Assert.That(written, Is.GreaterThan((long)Iterations * 200));
        AllocationGate.AssertNone(allocated, $"{Iterations + (Iterations / 10):N0} MessagePack decodes and {Iterations:N0} MessagePack outputs");
    }

    [Test]
    public void Writing_input_events_in_both_formats_allocates_nothing()
    {
        EventRecord[] records = Lines.Select(DecodeJson).ToArray();
        var json = new EventJsonWriter();
        var pack = new MessagePackEventWriter();
        var output = new ArrayBufferWriter<byte>(4096);
        WriteEvents(json, pack, output, records, WarmUp);

        long before = AllocationGate.ThreadBytes();
        long written = WriteEvents(json, pack, output, records, 200_000);
        long allocated = AllocationGate.ThreadBytes() - before;

        Assert.That(written, Is.GreaterThan(200_000L * 100));
        AllocationGate.AssertNone(allocated, "200,000 input events written in each format");
    }

    private static int DecodeJsonLines(byte[][] lines, int count)
    {
        EventRecord record = default;
        int accepted = 0;
        for (int i = 0; i < count; i++)
        {
            if (JsonEventReader.Read(lines[i % lines.Length], ref record, MaxRecordBytes) == RejectReason.None)
            {
                accepted++;
            }
        }
        return accepted;
    }

    private static int DecodePacked(byte[][] packed, int count, bool useMemory)
    {
        EventRecord record = default;
        int accepted = 0;
        for (int i = 0; i < count; i++)
        {
            byte[] bytes = packed[i % packed.Length];
            RejectReason reason = useMemory
                ? MessagePackEventReader.Read(bytes.AsMemory(), ref record, MaxRecordBytes)
                : MessagePackEventReader.Read((ReadOnlySpan<byte>)bytes, ref record, MaxRecordBytes);
            if (reason == RejectReason.None)
            {
                accepted++;
            }
        }
        return accepted;
    }

    // One loop for both output writers (through their interface: a call per output, no allocation).
    private static long WriteOutputs(IAttributionWriter writer, ArrayBufferWriter<byte> output, ref EventRecord conversion, ref EventRecord click, int count)
    {
        long total = 0;
        var view = new ClickView(click.Get(click.EventId), click.Get(click.AdId), click.Get(click.Source), click.Timestamp);
        for (int i = 0; i < count; i++)
        {
            output.ResetWrittenCount();
            writer.Write(output, conversion, view, 24);
            total += output.WrittenCount;
        }
        return total;
    }

    private static long WriteEvents(EventJsonWriter json, MessagePackEventWriter pack, ArrayBufferWriter<byte> output, EventRecord[] records, int count)
    {
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            output.ResetWrittenCount();
            json.Write(output, records[i % records.Length]);
            pack.Write(output, records[i % records.Length]);
            total += output.WrittenCount;
        }
        return total;
    }
}
