using System.Buffers;
using System.Text;
using System.Text.Json;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using static Attribution.Tests.Engine.Codecs.CodecSamples;

namespace Attribution.Tests.Engine.Codecs;

public class AttributionJsonWriterTests
{
    private const string DesignExample =
        """{"event_type":"attributed_conversion","conversion_id":"v-1","click_id":"c-1","user_id":"user-123","ad_id":"ad-456","campaign_id":"camp-789","source":"facebook","conversion_type":"purchase","value":19.99,"click_time":1678886400000,"conversion_time":1678890000000,"attribution_window_hours":24}""";

    private static string Write(in EventRecord conversion, in EventRecord click, double windowHours = 24, AttributionJsonWriter? writer = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        (writer ?? new AttributionJsonWriter()).Write(buffer, conversion, ViewOf(click), windowHours);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Test]
    public void Output_matches_the_design_example_byte_for_byte()
    {
        Assert.That(Write(DecodeJson(Conversion), DecodeJson(Click)), Is.EqualTo(DesignExample));
    }

    [TestCase(24d, "24")]
    [TestCase(1.5d, "1.5")]
    [TestCase(0.25d, "0.25")]
    [TestCase(168d, "168")]
    [TestCase(1d / 3, "0.3333333333333333")]
    public void Window_hours_are_written_as_the_shortest_number(double hours, string expected)
    {
        var writer = new AttributionJsonWriter();
        // Twice with the same writer (the formatted window is cached), then with another window in between.
        Assert.That(Write(DecodeJson(Conversion), DecodeJson(Click), hours, writer), Does.EndWith($"\"attribution_window_hours\":{expected}}}"));
        Assert.That(Write(DecodeJson(Conversion), DecodeJson(Click), 2, writer), Does.EndWith("\"attribution_window_hours\":2}"));
        Assert.That(Write(DecodeJson(Conversion), DecodeJson(Click), hours, writer), Does.EndWith($"\"attribution_window_hours\":{expected}}}"));
    }

    [Test]
    public void Absent_conversion_type_and_value_are_written_as_null()
    {
        EventRecord conversion = DecodeJson(JsonObjectBuilder.Object(JsonObjectBuilder.ConversionFields.Where(f => f.Name is not ("type" or "value"))));
        string json = Write(conversion, DecodeJson(Click));
        Assert.That(json, Does.Contain(",\"conversion_type\":null,\"value\":null,"));
    }

    [TestCase("99.99")]
    [TestCase("0")]
    [TestCase("50.00")]
    [TestCase("9999999.99")]
    [TestCase("1e3")]
    [TestCase("-0.5")]
    public void Value_is_written_with_its_exact_input_text(string value)
    {
        EventRecord conversion = DecodeJson(JsonObjectBuilder.With("conversion", "value", value));
        Assert.That(Write(conversion, DecodeJson(Click)), Does.Contain($",\"value\":{value},\"click_time\":"));
    }

    [Test]
    public void Source_is_the_clicks_source_not_the_conversions()
    {
        string json = Write(DecodeJson(Conversion), DecodeJson(Click));
        Assert.That(json, Does.Contain("\"source\":\"facebook\"").And.Not.Contain("ios_app"));
    }

    [Test]
    public void Fields_come_in_the_fixed_order()
    {
        var names = new List<string>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(Write(DecodeJson(Conversion), DecodeJson(Click))));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                names.Add(reader.GetString()!);
            }
        }
        Assert.That(names, Is.EqualTo(new[]
        {
            "event_type", "conversion_id", "click_id", "user_id", "ad_id", "campaign_id", "source", "conversion_type",
            "value", "click_time", "conversion_time", "attribution_window_hours",
        }));
    }

    [Test]
    public void Special_characters_are_escaped_so_the_output_parses_back_to_the_same_strings()
    {
        var tricky = new StringBuilder("q\"b\\s/é😀\u2028");
        for (char c = '\0'; c < ' '; c++)
        {
            tricky.Append(c);
        }
        tricky.Append('\u007f');
        string value = tricky.ToString();
        string escapedForInput = JsonSerializer.Serialize(value);
        EventRecord conversion = DecodeJson(JsonObjectBuilder.With("conversion", "event_id", escapedForInput));
        EventRecord click = DecodeJson(JsonObjectBuilder.With("click", "source", JsonSerializer.Serialize(value[..40])));
        Assert.That(Text(conversion, conversion.EventId), Is.EqualTo(value));

        string json = Write(conversion, click);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("conversion_id").GetString(), Is.EqualTo(value));
        Assert.That(doc.RootElement.GetProperty("source").GetString(), Is.EqualTo(value[..40]));
        Assert.That(json, Does.Contain("\"q\\\"b\\\\s/é😀\u2028\\u0000\\u0001"));
        Assert.That(json, Does.Contain("\\b\\t\\n\\u000b\\f\\r"));
    }

    [Test]
    public void Span_overload_returns_minus_one_until_the_destination_is_large_enough()
    {
        EventRecord conversion = DecodeJson(Conversion);
        EventRecord click = DecodeJson(Click);
        var writer = new AttributionJsonWriter();
        byte[] expected = Utf8(DesignExample);
        for (int size = 0; size < expected.Length; size++)
        {
            Assert.That(writer.Write(new byte[size], conversion, ViewOf(click), 24), Is.EqualTo(-1), $"size {size}");
        }
        byte[] exact = new byte[expected.Length];
        Assert.That(writer.Write(exact, conversion, ViewOf(click), 24), Is.EqualTo(expected.Length));
        Assert.That(exact, Is.EqualTo(expected));
        Assert.That(AttributionJsonWriter.MaxBytes(conversion, ViewOf(click)), Is.GreaterThanOrEqualTo(expected.Length));
    }

    [Test]
    public void Max_bytes_bounds_an_output_whose_strings_are_all_escaped()
    {
        string controls = string.Concat(Enumerable.Repeat("\\u0001", EventRecord.MaxIdBytes));
        string labels = string.Concat(Enumerable.Repeat("\\u0001", EventRecord.MaxLabelBytes));
        var conv = JsonObjectBuilder.ConversionFields
            .Select(f => f.Name switch
            {
                "event_id" or "user_id" or "campaign_id" => (f.Name, $"\"{controls}\""),
                "type" => (f.Name, $"\"{labels}\""),
                "value" => (f.Name, new string('9', EventRecord.MaxValueBytes)),
                "timestamp" => (f.Name, long.MinValue.ToString()),
                _ => f,
            });
        var clk = JsonObjectBuilder.ClickFields
            .Select(f => f.Name switch
            {
                "event_id" or "ad_id" => (f.Name, $"\"{controls}\""),
                "source" => (f.Name, $"\"{labels}\""),
                "timestamp" => (f.Name, long.MinValue.ToString()),
                _ => f,
            });
        EventRecord conversion = DecodeJson(JsonObjectBuilder.Object(conv));
        EventRecord click = DecodeJson(JsonObjectBuilder.Object(clk));
        int max = AttributionJsonWriter.MaxBytes(conversion, ViewOf(click));
        int written = new AttributionJsonWriter().Write(new byte[max], conversion, ViewOf(click), 1d / 3);
        Assert.That(written, Is.GreaterThan(0).And.LessThanOrEqualTo(max));
    }

    [Test]
    public void Buffer_writer_overload_asks_for_more_room_when_the_first_span_is_too_small()
    {
        var output = new StingyBufferWriter();
        new AttributionJsonWriter().Write(output, DecodeJson(Conversion), ViewOf(DecodeJson(Click)), 24);
        Assert.That(Encoding.UTF8.GetString(output.Written), Is.EqualTo(DesignExample));
        Assert.That(output.LargestHint, Is.GreaterThan(DesignExample.Length));
    }

    [Test]
    public void Writing_misuse_throws_argument_exceptions()
    {
        var writer = new AttributionJsonWriter();
        EventRecord click = DecodeJson(Click);
        EventRecord conversion = DecodeJson(Conversion);
        Assert.Throws<ArgumentException>(() => writer.Write(new byte[1024], click, ViewOf(click), 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(new byte[1024], conversion, ViewOf(click), double.NaN));
        EventRecord bad = conversion;
        Assert.That(bad.TrySet(ref bad.Value, "12abc"u8, EventRecord.MaxValueBytes), Is.True);
        Assert.Throws<ArgumentException>(() => writer.Write(new byte[1024], bad, ViewOf(click), 24));
    }

    /// <summary>Hands out 16 bytes unless asked for more, to exercise the retry with <see cref="AttributionJsonWriter.MaxBytes"/>.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private byte[] _buffer = [];
        private int _written;

        public int LargestHint { get; private set; }

        public byte[] Written => _buffer[.._written];

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new NotSupportedException();

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            LargestHint = Math.Max(LargestHint, sizeHint);
            int size = Math.Max(sizeHint, 16);
            if (_buffer.Length - _written < size)
            {
                Array.Resize(ref _buffer, _written + size);
            }
            return _buffer.AsSpan(_written, size);
        }
    }
}
