using System.Buffers;
using System.Text;
using Attribution.Testing.Codecs;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using MessagePack;
using static Attribution.Tests.Engine.Codecs.CodecSamples;

namespace Attribution.Tests.Engine.Codecs;

public class EventWriterTests
{
    private const string CanonicalClick =
        """{"event_type":"click","event_id":"c-1","user_id":"user-123","campaign_id":"camp-789","ad_id":"ad-456","source":"facebook","timestamp":1678886400000}""";

    [Test]
    public void Canonical_click_and_conversion_lines_round_trip_byte_for_byte()
    {
        Assert.That(ToJson(DecodeJson(CanonicalClick)), Is.EqualTo(CanonicalClick));
        Assert.That(ToJson(DecodeJson(Conversion)), Is.EqualTo(Conversion));
    }

    [Test]
    public void Json_to_record_to_json_to_record_gives_the_same_record()
    {
        foreach (string line in Lines)
        {
            EventRecord first = DecodeJson(line);
            EventRecord second = DecodeJson(ToJson(first));
            Assert.That(Describe(second), Is.EqualTo(Describe(first)), line);
        }
    }

    [Test]
    public void Absent_optional_conversion_fields_are_omitted()
    {
        EventRecord r = DecodeJson("""{"event_type":"conversion","event_id":"v","user_id":"u","campaign_id":"k","type":null,"timestamp":5}""");
        Assert.That(ToJson(r), Is.EqualTo("""{"event_type":"conversion","event_id":"v","user_id":"u","campaign_id":"k","timestamp":5}"""));
    }

    [Test]
    public void Span_overload_returns_minus_one_when_too_small()
    {
        EventRecord r = DecodeJson(Conversion);
        var writer = new EventJsonWriter();
        Assert.That(writer.Write(new byte[Conversion.Length - 1], r), Is.EqualTo(-1));
        byte[] exact = new byte[Conversion.Length];
        Assert.That(writer.Write(exact, r), Is.EqualTo(Conversion.Length));
        Assert.That(Encoding.UTF8.GetString(exact), Is.EqualTo(Conversion));
        Assert.That(EventJsonWriter.MaxBytes(r), Is.GreaterThanOrEqualTo(Conversion.Length));
    }

    [Test]
    public void Writing_a_record_without_kind_throws()
    {
        EventRecord r = default;
        r.Reset();
        Assert.Throws<ArgumentException>(() => new EventJsonWriter().Write(new byte[256], r));
        Assert.Throws<ArgumentException>(() => new MessagePackEventWriter().Write(new ArrayBufferWriter<byte>(), r));
    }

    [Test]
    public void Messagepack_event_has_the_json_fields_in_the_same_order_with_value_as_a_string()
    {
        foreach (string line in Lines)
        {
            EventRecord r = DecodeJson(line);
            string json = ToJson(r);
            if (r.Value.IsPresent)
            {
                string value = Text(r, r.Value);
                json = json.Replace($"\"value\":{value},", $"\"value\":\"{value}\",");
            }
            Assert.That(MessagePackSerializer.ConvertToJson(ToMessagePack(r)), Is.EqualTo(json), line);
        }
    }
}
