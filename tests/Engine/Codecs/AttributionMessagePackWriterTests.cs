using System.Buffers;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using MessagePack;
using static Attribution.Tests.Engine.Codecs.CodecSamples;

namespace Attribution.Tests.Engine.Codecs;

public class AttributionMessagePackWriterTests
{
    private static byte[] Write(in EventRecord conversion, in EventRecord click, double windowHours)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new AttributionMessagePackWriter().Write(buffer, conversion, ViewOf(click), windowHours);
        return buffer.WrittenSpan.ToArray();
    }

    [Test]
    public void Output_has_the_json_fields_in_the_same_order_with_value_as_exact_text()
    {
        string json = MessagePackSerializer.ConvertToJson(Write(DecodeJson(Conversion), DecodeJson(Click), 24));
        Assert.That(json, Is.EqualTo(
            """{"event_type":"attributed_conversion","conversion_id":"v-1","click_id":"c-1","user_id":"user-123","ad_id":"ad-456","campaign_id":"camp-789","source":"facebook","conversion_type":"purchase","value":"19.99","click_time":1678886400000,"conversion_time":1678890000000,"attribution_window_hours":24}"""));
    }

    [Test]
    public void Whole_window_is_an_integer_and_fractional_window_a_float64()
    {
        var reader = new MessagePackReader(LastValue(Write(DecodeJson(Conversion), DecodeJson(Click), 24)));
        Assert.That(reader.NextMessagePackType, Is.EqualTo(MessagePackType.Integer));
        Assert.That(reader.ReadInt64(), Is.EqualTo(24));
        reader = new MessagePackReader(LastValue(Write(DecodeJson(Conversion), DecodeJson(Click), 1.5)));
        Assert.That(reader.NextCode, Is.EqualTo(MessagePackCode.Float64));
        Assert.That(reader.ReadDouble(), Is.EqualTo(1.5));
    }

    [Test]
    public void Absent_conversion_type_and_value_are_nil()
    {
        EventRecord conversion = DecodeJson("""{"event_type":"conversion","event_id":"v","user_id":"u","campaign_id":"k","timestamp":5}""");
        string json = MessagePackSerializer.ConvertToJson(Write(conversion, DecodeJson(Click), 24));
        Assert.That(json, Does.Contain("\"conversion_type\":null,\"value\":null,"));
    }

    [Test]
    public void Output_matches_the_json_writer_for_every_sample_conversion()
    {
        EventRecord click = DecodeJson(Click);
        foreach (string line in Lines)
        {
            EventRecord conversion = DecodeJson(line);
            if (conversion.Kind != EventKind.Conversion)
            {
                continue;
            }
            var jsonOut = new ArrayBufferWriter<byte>();
            new AttributionJsonWriter().Write(jsonOut, conversion, ViewOf(click), 24);
            string expected = System.Text.Encoding.UTF8.GetString(jsonOut.WrittenSpan);
            if (conversion.Value.IsPresent)
            {
                string value = Text(conversion, conversion.Value);
                expected = expected.Replace($"\"value\":{value},", $"\"value\":\"{value}\",");
            }
            Assert.That(MessagePackSerializer.ConvertToJson(Write(conversion, click, 24)), Is.EqualTo(expected), line);
        }
    }

    [Test]
    public void Writing_misuse_throws()
    {
        EventRecord click = DecodeJson(Click);
        Assert.Throws<ArgumentException>(() => Write(click, click, 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(DecodeJson(Conversion), click, double.PositiveInfinity));
    }

    private static ReadOnlyMemory<byte> LastValue(byte[] map)
    {
        var reader = new MessagePackReader(map);
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count - 1; i++)
        {
            reader.Skip();
            reader.Skip();
        }
        reader.Skip();
        return map.AsMemory((int)reader.Consumed);
    }
}
