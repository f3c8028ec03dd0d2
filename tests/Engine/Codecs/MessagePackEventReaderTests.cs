using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using MessagePack;
using static Attribution.Tests.Engine.Codecs.CodecSamples;
using static Attribution.Tests.Engine.Codecs.MessagePackBuilder;

namespace Attribution.Tests.Engine.Codecs;

public class MessagePackEventReaderTests
{
    private static EventRecord Decode(byte[] bytes)
    {
        Assert.That(ReadMessagePack(bytes, out EventRecord r), Is.EqualTo(RejectReason.None));
        return r;
    }

    [Test]
    public void Json_to_record_to_messagepack_to_record_gives_the_same_record()
    {
        foreach (string line in Lines)
        {
            EventRecord fromJson = DecodeJson(line);
            EventRecord fromPack = Decode(ToMessagePack(fromJson));
            Assert.That(Describe(fromPack), Is.EqualTo(Describe(fromJson)), line);
        }
    }

    [Test]
    public void Hand_built_click_and_conversion_maps_are_decoded()
    {
        Assert.That(Describe(Decode(Map(ClickEntries))), Is.EqualTo(Describe(DecodeJson(Click.Replace(",\"metadata\":{\"geo\":\"US\"}", "")))));
        Assert.That(Describe(Decode(Map(ConversionEntries))), Is.EqualTo(Describe(DecodeJson(Conversion))));
    }

    [Test]
    public void Memory_overload_decodes_like_the_span_overload()
    {
        byte[] bytes = Map(ConversionEntries);
        EventRecord r = default;
        Assert.That(MessagePackEventReader.Read(bytes.AsMemory(), ref r, MaxRecordBytes), Is.EqualTo(RejectReason.None));
        Assert.That(Describe(r), Is.EqualTo(Describe(Decode(bytes))));
    }

    [TestCase("99.99")]
    [TestCase("0")]
    [TestCase("50.00")]
    [TestCase("9999999.99")]
    [TestCase("1e3")]
    [TestCase("-0.5")]
    public void String_value_keeps_its_exact_decimal_text(string value)
    {
        EventRecord r = Decode(With("conversion", "value", value));
        Assert.That(Text(r, r.Value), Is.EqualTo(value));
    }

    private static IEnumerable<TestCaseData> BinaryValues()
    {
        yield return new TestCaseData(19.99d, "19.99");
        yield return new TestCaseData(0.1d, "0.1");
        yield return new TestCaseData(0.1f, "0.1");
        yield return new TestCaseData(1e21d, "1E+21");
        yield return new TestCaseData(-0.5d, "-0.5");
        yield return new TestCaseData(42L, "42");
        yield return new TestCaseData(-7L, "-7");
        yield return new TestCaseData(0L, "0");
        yield return new TestCaseData(long.MinValue, "-9223372036854775808");
        yield return new TestCaseData(ulong.MaxValue, "18446744073709551615");
    }

    [TestCaseSource(nameof(BinaryValues))]
    public void Binary_number_value_becomes_its_shortest_round_trip_text(object value, string expected)
    {
        EventRecord r = Decode(With("conversion", "value", value));
        Assert.That(Text(r, r.Value), Is.EqualTo(expected));
        // The text must be a JSON number the output can carry as is.
        Assert.That(ReadJson(With2Json(Text(r, r.Value)), out _), Is.EqualTo(RejectReason.None));
    }

    private static string With2Json(string value) => JsonObjectBuilder.With("conversion", "value", value);

    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(float.NegativeInfinity)]
    public void Non_finite_value_is_wrong_type(object value)
    {
        Assert.That(ReadMessagePack(With("conversion", "value", value), out _), Is.EqualTo(RejectReason.WrongType));
    }

    [TestCase("abc")]
    [TestCase("")]
    [TestCase("1.")]
    [TestCase("01")]
    [TestCase("+1")]
    [TestCase(" 1")]
    [TestCase("1e")]
    [TestCase("NaN")]
    [TestCase("0x10")]
    public void Value_string_that_is_not_a_json_number_is_wrong_type(string value)
    {
        Assert.That(ReadMessagePack(With("conversion", "value", value), out _), Is.EqualTo(RejectReason.WrongType));
    }

    [Test]
    public void Value_of_other_types_is_wrong_type()
    {
        Assert.That(ReadMessagePack(With("conversion", "value", true), out _), Is.EqualTo(RejectReason.WrongType));
        Assert.That(ReadMessagePack(With("conversion", "value", new byte[] { 1 }), out _), Is.EqualTo(RejectReason.WrongType));
    }

    [Test]
    public void Empty_input_is_malformed()
    {
        Assert.That(ReadMessagePack([], out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Every_truncation_of_a_valid_record_is_malformed()
    {
        byte[] bytes = Map(ConversionEntries);
        for (int length = 1; length < bytes.Length; length++)
        {
            Assert.That(ReadMessagePack(bytes[..length], out _), Is.EqualTo(RejectReason.InvalidJson), $"length {length}");
        }
    }

    [Test]
    public void Trailing_bytes_after_the_map_are_malformed()
    {
        Assert.That(ReadMessagePack([.. Map(ClickEntries), 0xC0], out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Never_used_code_is_malformed()
    {
        Assert.That(ReadMessagePack(With("click", "extra", new RawPack([0xC1])), out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Lengths_beyond_int_range_are_malformed()
    {
        byte[] str32 = [0xDB, 0xFF, 0xFF, 0xFF, 0xFF, 0x61];
        byte[] array32 = [0xDD, 0xFF, 0xFF, 0xFF, 0xFF];
        byte[] map32 = [0xDF, 0x80, 0x00, 0x00, 0x00];
        byte[] bin32 = [0xC6, 0xFF, 0xFF, 0xFF, 0xF0];
        foreach (byte[] raw in new[] { str32, array32, map32, bin32 })
        {
            Assert.That(ReadMessagePack(With("click", "extra", new RawPack(raw)), out _), Is.EqualTo(RejectReason.InvalidJson), Convert.ToHexString(raw));
            Assert.That(ReadMessagePack(With("click", "user_id", new RawPack(raw)), out _), Is.EqualTo(RejectReason.InvalidJson), Convert.ToHexString(raw));
            Assert.That(ReadMessagePack(raw, out _), Is.EqualTo(RejectReason.InvalidJson), Convert.ToHexString(raw));
        }
    }

    [Test]
    public void Top_level_value_other_than_a_map_is_not_an_object()
    {
        Assert.That(ReadMessagePack(Value("click"), out _), Is.EqualTo(RejectReason.NotAnObject));
        Assert.That(ReadMessagePack(Value(42L), out _), Is.EqualTo(RejectReason.NotAnObject));
        Assert.That(ReadMessagePack([0x92, 0x01, 0x81, 0xA1, 0x61, 0xC0], out _), Is.EqualTo(RejectReason.NotAnObject));
        Assert.That(ReadMessagePack([0x92, 0x01], out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Nesting_up_to_the_maximum_depth_is_skipped_and_deeper_is_malformed()
    {
        int legal = MessagePackEventReader.MaxDepth - 1;
        byte[] deep = [.. Enumerable.Repeat((byte)0x91, legal - 1), 0x90];
        Assert.That(ReadMessagePack(With("click", "metadata", new RawPack(deep)), out _), Is.EqualTo(RejectReason.None));
        byte[] tooDeep = [.. Enumerable.Repeat((byte)0x91, legal), 0x90];
        Assert.That(ReadMessagePack(With("click", "metadata", new RawPack(tooDeep)), out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Huge_nesting_is_rejected_without_exhausting_the_stack()
    {
        byte[] bytes = [0x81, 0xA1, 0x6D, .. Enumerable.Repeat((byte)0x91, 1_000_000), 0x90];
        EventRecord r = default;
        Assert.That(MessagePackEventReader.Read((ReadOnlySpan<byte>)bytes, ref r, bytes.Length), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Metadata_of_any_shape_and_unknown_fields_are_skipped()
    {
        byte[] metadata = Map([("geo", "US"), ("tags", new RawPack([0x93, 0x01, 0xC3, 0xC0])), ("bin", new byte[] { 1, 2 }), ("f", 1.5d)]);
        string expected = Describe(Decode(Map(ClickEntries)));
        Assert.That(Describe(Decode(With("click", "metadata", new RawPack(metadata)))), Is.EqualTo(expected));
        Assert.That(Describe(Decode(With("click", "metadata", null))), Is.EqualTo(expected));
        Assert.That(Describe(Decode(With("click", "whatever", 12L))), Is.EqualTo(expected));
    }

    [Test]
    public void Non_string_keys_are_skipped_like_unknown_fields()
    {
        byte[] click = Map(ClickEntries);
        // Patch the map header (fixmap 7 -> 8) and append an integer key 1 -> "x".
        byte[] bytes = [(byte)(click[0] + 1), .. click[1..], 0x01, 0xA1, 0x78];
        Assert.That(Describe(Decode(bytes)), Is.EqualTo(Describe(Decode(click))));
    }

    [Test]
    public void Invalid_utf8_in_a_known_field_an_unknown_value_or_a_key_is_invalid_utf8()
    {
        byte[] badStr = [0xA2, 0xC3, 0x28];
        Assert.That(ReadMessagePack(With("click", "user_id", new RawPack(badStr)), out _), Is.EqualTo(RejectReason.InvalidUtf8));
        Assert.That(ReadMessagePack(With("click", "note", new RawPack(badStr)), out _), Is.EqualTo(RejectReason.InvalidUtf8));
        Assert.That(ReadMessagePack(With("click", "event_type", new RawPack(badStr)), out _), Is.EqualTo(RejectReason.InvalidUtf8));
        byte[] click = Map(ClickEntries);
        byte[] badKey = [(byte)(click[0] + 1), .. click[1..], .. badStr, 0x01];
        Assert.That(ReadMessagePack(badKey, out _), Is.EqualTo(RejectReason.InvalidUtf8));
    }

    [TestCase(1.5d)]
    [TestCase(1678886400000d)]
    [TestCase("1678886400000")]
    [TestCase(true)]
    public void Timestamp_that_is_not_an_integer_is_wrong_type(object value)
    {
        Assert.That(ReadMessagePack(With("click", "timestamp", value), out _), Is.EqualTo(RejectReason.WrongType));
    }

    [Test]
    public void Timestamp_beyond_int64_is_wrong_type_and_int64_extremes_are_accepted()
    {
        Assert.That(ReadMessagePack(With("click", "timestamp", (ulong)long.MaxValue + 1), out _), Is.EqualTo(RejectReason.WrongType));
        Assert.That(Decode(With("click", "timestamp", (ulong)long.MaxValue)).Timestamp, Is.EqualTo(long.MaxValue));
        Assert.That(Decode(With("click", "timestamp", long.MinValue)).Timestamp, Is.EqualTo(long.MinValue));
        Assert.That(Decode(With("click", "timestamp", 5)).Timestamp, Is.EqualTo(5));
    }

    [Test]
    public void Field_rules_match_the_json_reader()
    {
        Assert.That(ReadMessagePack(Without("click", "event_type"), out _), Is.EqualTo(RejectReason.MissingEventType));
        Assert.That(ReadMessagePack(With("click", "event_type", null), out _), Is.EqualTo(RejectReason.MissingEventType));
        Assert.That(ReadMessagePack(With("click", "event_type", "view"), out _), Is.EqualTo(RejectReason.UnknownEventType));
        Assert.That(ReadMessagePack(With("click", "event_type", 1L), out _), Is.EqualTo(RejectReason.WrongType));
        Assert.That(ReadMessagePack(Without("click", "ad_id"), out _), Is.EqualTo(RejectReason.MissingField));
        Assert.That(ReadMessagePack(With("click", "source", null), out _), Is.EqualTo(RejectReason.MissingField));
        Assert.That(ReadMessagePack(With("click", "user_id", 123L), out _), Is.EqualTo(RejectReason.WrongType));
        Assert.That(ReadMessagePack(With("click", "event_id", ""), out _), Is.EqualTo(RejectReason.EmptyField));
        Assert.That(ReadMessagePack(With("click", "campaign_id", new string('k', EventRecord.MaxIdBytes + 1)), out _), Is.EqualTo(RejectReason.FieldTooLong));
        Assert.That(ReadMessagePack(With("conversion", "type", new string('t', EventRecord.MaxLabelBytes + 1)), out _), Is.EqualTo(RejectReason.FieldTooLong));
        Assert.That(ReadMessagePack(With("conversion", "value", new string('9', EventRecord.MaxValueBytes + 1)), out _), Is.EqualTo(RejectReason.FieldTooLong));
        Assert.That(ReadMessagePack(Map(ClickEntries.Append(("user_id", "again"))), out _), Is.EqualTo(RejectReason.DuplicateField));
        Assert.That(ReadMessagePack(Map(ConversionEntries), out _), Is.EqualTo(RejectReason.None));
        Assert.That(Decode(With("conversion", "value", null)).Value.IsPresent, Is.False);
        Assert.That(Decode(Without("conversion", "source")).Source.IsPresent, Is.False);
    }

    [Test]
    public void Oversized_record_is_rejected_before_parsing()
    {
        byte[] bytes = Map(ClickEntries);
        EventRecord r = default;
        Assert.That(MessagePackEventReader.Read((ReadOnlySpan<byte>)bytes, ref r, bytes.Length - 1), Is.EqualTo(RejectReason.Oversized));
        Assert.That(MessagePackEventReader.Read(bytes.AsMemory(), ref r, bytes.Length - 1), Is.EqualTo(RejectReason.Oversized));
        Assert.That(MessagePackEventReader.Read((ReadOnlySpan<byte>)bytes, ref r, bytes.Length), Is.EqualTo(RejectReason.None));
    }

    [Test]
    public void Reader_keeps_partition_position_and_ingest_ticks()
    {
        EventRecord r = default;
        r.Partition = 3;
        r.Position = 99;
        r.IngestTicks = 7;
        Assert.That(MessagePackEventReader.Read((ReadOnlySpan<byte>)Map(ClickEntries), ref r, MaxRecordBytes), Is.EqualTo(RejectReason.None));
        Assert.That((r.Partition, r.Position, r.IngestTicks), Is.EqualTo((3, 99L, 7L)));
    }

    [Test]
    public void Reader_output_matches_messagepack_serializer_view_of_the_same_bytes()
    {
        // Cross-check with the library's own JSON conversion of our writer's bytes.
        EventRecord conversion = DecodeJson(Conversion);
        string json = MessagePackSerializer.ConvertToJson(ToMessagePack(conversion));
        Assert.That(json, Is.EqualTo("""{"event_type":"conversion","event_id":"v-1","user_id":"user-123","campaign_id":"camp-789","type":"purchase","value":"19.99","source":"ios_app","timestamp":1678890000000}"""));
    }
}
