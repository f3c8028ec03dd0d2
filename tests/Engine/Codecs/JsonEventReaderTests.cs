using System.Text;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using static Attribution.Tests.Engine.Codecs.CodecSamples;
using static Attribution.Tests.Engine.Codecs.JsonObjectBuilder;

namespace Attribution.Tests.Engine.Codecs;

public class JsonEventReaderTests
{
    [Test]
    public void Click_is_decoded_with_every_field()
    {
        EventRecord r = DecodeJson(Click);
        Assert.That(Describe(r), Is.EqualTo(
            "Click ts=1678886400000 event_id=c-1 user_id=user-123 campaign_id=camp-789 ad_id=ad-456 source=facebook type=<absent> value=<absent>"));
    }

    [Test]
    public void Conversion_is_decoded_with_every_field()
    {
        EventRecord r = DecodeJson(Conversion);
        Assert.That(Describe(r), Is.EqualTo(
            "Conversion ts=1678890000000 event_id=v-1 user_id=user-123 campaign_id=camp-789 ad_id=<absent> source=ios_app type=purchase value=19.99"));
    }

    [Test]
    public void Field_order_is_free()
    {
        string reversed = Object(ConversionFields.Reverse());
        Assert.That(Describe(DecodeJson(reversed)), Is.EqualTo(Describe(DecodeJson(Object(ConversionFields)))));
        string shuffled = Object([ClickFields[6], ClickFields[2], ClickFields[0], ClickFields[5], ClickFields[1], ClickFields[4], ClickFields[3]]);
        Assert.That(Describe(DecodeJson(shuffled)), Is.EqualTo(Describe(DecodeJson(Object(ClickFields)))));
    }

    [TestCase("19.99")]
    [TestCase("99.99")]
    [TestCase("0")]
    [TestCase("50.00")]
    [TestCase("9999999.99")]
    [TestCase("1e3")]
    [TestCase("-0.5")]
    [TestCase("1E+21")]
    [TestCase("0.1000000000000000055511151231257827")]
    [TestCase("-0")]
    public void Value_keeps_its_exact_number_text(string value)
    {
        EventRecord r = DecodeJson(With("conversion", "value", value));
        Assert.That(Text(r, r.Value), Is.EqualTo(value));
    }

    [TestCase(null)]
    [TestCase("null")]
    [TestCase("{}")]
    [TestCase("{\"geo\":\"US\",\"device\":{\"os\":\"ios\",\"v\":[1,2,{\"x\":null}]}}")]
    [TestCase("[1,\"two\",{\"three\":3}]")]
    [TestCase("\"a string\"")]
    [TestCase("42.5e-3")]
    [TestCase("{\"event_type\":\"conversion\",\"user_id\":7}")]
    public void Metadata_absent_null_or_any_json_is_skipped(string? metadata)
    {
        string json = metadata is null ? Object(ClickFields) : With("click", "metadata", metadata);
        Assert.That(Describe(DecodeJson(json)), Is.EqualTo(Describe(DecodeJson(Object(ClickFields)))));
    }

    [Test]
    public void Metadata_nested_up_to_the_maximum_depth_is_skipped()
    {
        // The event object is depth 1, so metadata may nest MaxDepth - 1 levels.
        int levels = JsonEventReader.MaxDepth - 1;
        string metadata = string.Concat(Enumerable.Repeat("{\"a\":", levels - 1)) + "{}" + new string('}', levels - 1);
        Assert.That(ReadJson(With("click", "metadata", metadata), out _), Is.EqualTo(RejectReason.None));
    }

    [Test]
    public void Nesting_beyond_the_maximum_depth_is_invalid_json()
    {
        int levels = JsonEventReader.MaxDepth;
        string metadata = string.Concat(Enumerable.Repeat("[", levels)) + new string(']', levels);
        Assert.That(ReadJson(With("click", "metadata", metadata), out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [TestCase("\"x\"")]
    [TestCase("123")]
    [TestCase("-1.5e300")]
    [TestCase("true")]
    [TestCase("null")]
    [TestCase("[]")]
    [TestCase("{\"event_id\":\"nested-is-not-top-level\"}")]
    public void Unknown_fields_are_skipped_whatever_their_value(string raw)
    {
        string json = With("click", "unknown_field", raw);
        Assert.That(Describe(DecodeJson(json)), Is.EqualTo(Describe(DecodeJson(Object(ClickFields)))));
    }

    [Test]
    public void Unknown_field_appearing_twice_is_accepted()
    {
        string json = Object(ClickFields.Append(("x", "1")).Append(("x", "2")));
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.None));
    }

    [TestCase("caf\\u00e9", "café")]
    [TestCase("say \\\"hi\\\"", "say \"hi\"")]
    [TestCase("back\\\\slash", "back\\slash")]
    [TestCase("line\\nbreak\\ttab", "line\nbreak\ttab")]
    [TestCase("\\/slash", "/slash")]
    [TestCase("smile \\ud83d\\ude00", "smile 😀")]
    [TestCase("raw é and 😀", "raw é and 😀")]
    public void Escaped_strings_are_unescaped(string escaped, string expected)
    {
        EventRecord r = DecodeJson(With("click", "user_id", $"\"{escaped}\""));
        Assert.That(Text(r, r.UserId), Is.EqualTo(expected));
    }

    [Test]
    public void Escaped_field_names_and_event_type_are_recognised()
    {
        string json = """{"event\u005ftype":"cl\u0069ck","event_id":"c-1","user\u005fid":"u","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}""";
        EventRecord r = DecodeJson(json);
        Assert.That(r.Kind, Is.EqualTo(EventKind.Click));
        Assert.That(Text(r, r.UserId), Is.EqualTo("u"));
    }

    [Test]
    public void Lone_surrogate_escape_in_a_known_field_is_invalid_json()
    {
        Assert.That(ReadJson(With("click", "user_id", "\"\\ud800\""), out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Record_longer_than_the_limit_is_oversized_before_any_other_check()
    {
        // 10 MB that is neither UTF-8 nor JSON: the size check must come first (and not scan the bytes).
        byte[] huge = new byte[10 * 1024 * 1024];
        Array.Fill(huge, (byte)0xFF);
        EventRecord r = default;
        Assert.That(JsonEventReader.Read(huge, ref r, 1024 * 1024), Is.EqualTo(RejectReason.Oversized));
    }

    [Test]
    public void Record_exactly_at_the_limit_is_accepted_and_one_byte_more_is_oversized()
    {
        byte[] json = Utf8(Click);
        EventRecord r = default;
        Assert.That(JsonEventReader.Read(json, ref r, json.Length), Is.EqualTo(RejectReason.None));
        Assert.That(JsonEventReader.Read(json, ref r, json.Length - 1), Is.EqualTo(RejectReason.Oversized));
    }

    [TestCase(new byte[] { 0xFF })]
    [TestCase(new byte[] { 0xC0, 0x80 })]
    [TestCase(new byte[] { 0xE2, 0x82 })]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 })]
    [TestCase(new byte[] { 0xF5, 0x80, 0x80, 0x80 })]
    public void Invalid_utf8_anywhere_is_rejected(byte[] bad)
    {
        byte[] prefix = Utf8("{\"event_type\":\"click\",\"user_id\":\"");
        byte[] suffix = Utf8("\"}");
        byte[] json = [.. prefix, .. bad, .. suffix];
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.InvalidUtf8));
        // Also when the JSON is broken as well: UTF-8 is checked before syntax.
        Assert.That(ReadJson([.. prefix, .. bad], out _), Is.EqualTo(RejectReason.InvalidUtf8));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("{")]
    [TestCase("{\"event_type\":}")]
    [TestCase("{\"event_type\":\"click\",}")]
    [TestCase("{'event_type':'click'}")]
    [TestCase("{\"a\":1} x")]
    [TestCase("{\"a\":1}{}")]
    [TestCase("{\"a\":1} // comment")]
    [TestCase("{\"a\":01}")]
    [TestCase("{\"a\":nul}")]
    [TestCase("{\"a\":\"raw\u0001control\"}")]
    [TestCase("{\"a\":\"raw\nnewline\"}")]
    [TestCase("{\"a\":\"bad escape \\x\"}")]
    [TestCase("{\"a\" 1}")]
    public void Malformed_json_is_invalid_json(string json)
    {
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Syntax_error_after_the_known_fields_outranks_field_rules()
    {
        // Every field is wrong, but the object is not valid JSON: the syntax error wins.
        Assert.That(ReadJson("{\"event_type\":7,\"user_id\":1,", out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Leading_byte_order_mark_is_invalid_json()
    {
        // RFC 8259 forbids producers to add one; we reject rather than guess.
        Assert.That(ReadJson([0xEF, 0xBB, 0xBF, .. Utf8(Click)], out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Whitespace_around_the_object_is_accepted()
    {
        Assert.That(ReadJson(" \r\n\t" + Click + " \n", out _), Is.EqualTo(RejectReason.None));
    }

    [TestCase("[]")]
    [TestCase("[{\"event_type\":\"click\"}]")]
    [TestCase("\"click\"")]
    [TestCase("42")]
    [TestCase("null")]
    [TestCase("true")]
    public void Top_level_value_other_than_an_object_is_not_an_object(string json)
    {
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.NotAnObject));
    }

    [TestCase("[1,")]
    [TestCase("[1] x")]
    [TestCase("\"open")]
    public void Malformed_top_level_non_object_is_invalid_json(string json)
    {
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [TestCase("click", "event_id", "\"c-2\"")]
    [TestCase("click", "event_type", "\"click\"")]
    [TestCase("click", "timestamp", "1")]
    [TestCase("click", "ad_id", "null")]
    [TestCase("conversion", "value", "1")]
    [TestCase("conversion", "type", "\"purchase\"")]
    public void Known_field_appearing_twice_is_a_duplicate_field(string kind, string name, string raw)
    {
        string json = Object(Fields(kind).Append((name, raw)));
        Assert.That(ReadJson(json, out EventRecord r), Is.EqualTo(RejectReason.DuplicateField));
        Assert.That(r.Kind, Is.EqualTo(EventKind.None));
    }

    [Test]
    public void Duplicate_field_outranks_a_missing_event_type()
    {
        Assert.That(ReadJson("{\"user_id\":\"a\",\"user_id\":\"b\"}", out _), Is.EqualTo(RejectReason.DuplicateField));
    }

    [TestCase("click")]
    [TestCase("conversion")]
    public void Absent_or_null_event_type_is_missing_event_type(string kind)
    {
        Assert.That(ReadJson(Without(kind, "event_type"), out _), Is.EqualTo(RejectReason.MissingEventType));
        Assert.That(ReadJson(With(kind, "event_type", "null"), out _), Is.EqualTo(RejectReason.MissingEventType));
    }

    [Test]
    public void Missing_event_type_outranks_missing_fields()
    {
        Assert.That(ReadJson("{}", out _), Is.EqualTo(RejectReason.MissingEventType));
    }

    [TestCase("\"purchase\"")]
    [TestCase("\"Click\"")]
    [TestCase("\"\"")]
    [TestCase("\"click \"")]
    [TestCase("\"attributed_conversion\"")]
    public void Event_type_other_than_click_or_conversion_is_unknown(string raw)
    {
        Assert.That(ReadJson(With("click", "event_type", raw), out _), Is.EqualTo(RejectReason.UnknownEventType));
    }

    [TestCase("1")]
    [TestCase("true")]
    [TestCase("{}")]
    [TestCase("[\"click\"]")]
    public void Non_string_event_type_is_wrong_type(string raw)
    {
        Assert.That(ReadJson(With("click", "event_type", raw), out _), Is.EqualTo(RejectReason.WrongType));
    }

    private static IEnumerable<TestCaseData> RequiredFields()
    {
        foreach (string name in new[] { "event_id", "user_id", "campaign_id", "timestamp", "ad_id", "source" })
        {
            yield return new TestCaseData("click", name).SetArgDisplayNames("click", name);
        }
        foreach (string name in new[] { "event_id", "user_id", "campaign_id", "timestamp" })
        {
            yield return new TestCaseData("conversion", name).SetArgDisplayNames("conversion", name);
        }
    }

    [TestCaseSource(nameof(RequiredFields))]
    public void Absent_required_field_is_missing_field(string kind, string name)
    {
        Assert.That(ReadJson(Without(kind, name), out _), Is.EqualTo(RejectReason.MissingField));
    }

    [TestCaseSource(nameof(RequiredFields))]
    public void Null_required_field_is_missing_field(string kind, string name)
    {
        Assert.That(ReadJson(With(kind, name, "null"), out _), Is.EqualTo(RejectReason.MissingField));
    }

    [TestCase("click", "event_id", "12")]
    [TestCase("click", "user_id", "123")]
    [TestCase("click", "campaign_id", "true")]
    [TestCase("click", "ad_id", "[]")]
    [TestCase("click", "source", "{\"name\":\"fb\"}")]
    [TestCase("click", "timestamp", "\"1678886400000\"")]
    [TestCase("click", "timestamp", "1.5")]
    [TestCase("click", "timestamp", "1678886400000.0")]
    [TestCase("click", "timestamp", "1e3")]
    [TestCase("click", "timestamp", "9223372036854775808")]
    [TestCase("click", "timestamp", "-9223372036854775809")]
    [TestCase("conversion", "user_id", "123")]
    [TestCase("conversion", "timestamp", "true")]
    [TestCase("conversion", "type", "1")]
    [TestCase("conversion", "source", "[]")]
    [TestCase("conversion", "value", "\"19.99\"")]
    [TestCase("conversion", "value", "{}")]
    [TestCase("conversion", "value", "true")]
    public void Known_field_of_the_wrong_json_type_is_wrong_type(string kind, string name, string raw)
    {
        Assert.That(ReadJson(With(kind, name, raw), out _), Is.EqualTo(RejectReason.WrongType));
    }

    [TestCase("9223372036854775807", 9223372036854775807L)]
    [TestCase("-9223372036854775808", -9223372036854775808L)]
    [TestCase("0", 0L)]
    public void Timestamp_accepts_the_whole_int64_range(string raw, long expected)
    {
        Assert.That(DecodeJson(With("click", "timestamp", raw)).Timestamp, Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(RequiredFields))]
    public void Empty_required_string_is_empty_field(string kind, string name)
    {
        if (name == "timestamp")
        {
            Assert.That(ReadJson(With(kind, name, "\"\""), out _), Is.EqualTo(RejectReason.WrongType));
            return;
        }
        Assert.That(ReadJson(With(kind, name, "\"\""), out _), Is.EqualTo(RejectReason.EmptyField));
    }

    [TestCase("click", "event_id", EventRecord.MaxIdBytes)]
    [TestCase("click", "user_id", EventRecord.MaxIdBytes)]
    [TestCase("click", "campaign_id", EventRecord.MaxIdBytes)]
    [TestCase("click", "ad_id", EventRecord.MaxIdBytes)]
    [TestCase("click", "source", EventRecord.MaxLabelBytes)]
    [TestCase("conversion", "source", EventRecord.MaxLabelBytes)]
    [TestCase("conversion", "type", EventRecord.MaxLabelBytes)]
    public void String_field_longer_than_its_limit_is_field_too_long(string kind, string name, int limit)
    {
        Assert.That(ReadJson(With(kind, name, $"\"{new string('x', limit)}\""), out _), Is.EqualTo(RejectReason.None));
        Assert.That(ReadJson(With(kind, name, $"\"{new string('x', limit + 1)}\""), out _), Is.EqualTo(RejectReason.FieldTooLong));
    }

    [Test]
    public void Limits_apply_to_unescaped_bytes()
    {
        // 64 x "\u00e9" is 384 bytes of JSON but 128 bytes of UTF-8: fits; 65 of them do not.
        string fits = string.Concat(Enumerable.Repeat("\\u00e9", EventRecord.MaxIdBytes / 2));
        EventRecord r = DecodeJson(With("click", "user_id", $"\"{fits}\""));
        Assert.That(Text(r, r.UserId), Is.EqualTo(new string('é', EventRecord.MaxIdBytes / 2)));
        Assert.That(ReadJson(With("click", "user_id", $"\"{fits}\\u00e9\""), out _), Is.EqualTo(RejectReason.FieldTooLong));
        // Escaped text at its limit (no shrinking) still fits.
        string quotes = string.Concat(Enumerable.Repeat("\\\"", EventRecord.MaxIdBytes));
        Assert.That(Text(DecodeJson(With("click", "ad_id", $"\"{quotes}\"")), DecodeJson(With("click", "ad_id", $"\"{quotes}\"")).AdId),
            Is.EqualTo(new string('"', EventRecord.MaxIdBytes)));
    }

    [Test]
    public void Record_buffer_holds_every_field_at_its_limit_even_when_escaped()
    {
        // A click also stores type and value before ignoring them, so this is the most a record can hold.
        string id = string.Concat(Enumerable.Repeat("\\u00e9", EventRecord.MaxIdBytes / 2));
        string label = string.Concat(Enumerable.Repeat("\\\"", EventRecord.MaxLabelBytes));
        string json = Object(
        [
            ("event_type", "\"click\""), ("event_id", $"\"{id}\""), ("user_id", $"\"{id}\""), ("campaign_id", $"\"{id}\""),
            ("ad_id", $"\"{id}\""), ("source", $"\"{label}\""), ("type", $"\"{label}\""),
            ("value", new string('1', EventRecord.MaxValueBytes)), ("timestamp", "1"),
        ]);
        EventRecord r = DecodeJson(json);
        Assert.That(Text(r, r.AdId), Is.EqualTo(new string('é', EventRecord.MaxIdBytes / 2)));
        Assert.That(Text(r, r.Source), Is.EqualTo(new string('"', EventRecord.MaxLabelBytes)));
        Assert.That(r.Used, Is.EqualTo((4 * EventRecord.MaxIdBytes) + (2 * EventRecord.MaxLabelBytes) + EventRecord.MaxValueBytes));
    }

    [Test]
    public void Value_text_longer_than_its_limit_is_field_too_long()
    {
        string digits = new('7', EventRecord.MaxValueBytes);
        Assert.That(Text(DecodeJson(With("conversion", "value", digits)), DecodeJson(With("conversion", "value", digits)).Value), Is.EqualTo(digits));
        Assert.That(ReadJson(With("conversion", "value", digits + "7"), out _), Is.EqualTo(RejectReason.FieldTooLong));
    }

    [TestCase("type")]
    [TestCase("value")]
    [TestCase("source")]
    public void Optional_conversion_field_absent_or_null_is_absent(string name)
    {
        foreach (string json in new[] { Without("conversion", name), With("conversion", name, "null") })
        {
            EventRecord r = DecodeJson(json);
            Utf8Field field = name switch { "type" => r.ConversionType, "value" => r.Value, _ => r.Source };
            Assert.That(field.IsPresent, Is.False, json);
        }
    }

    [Test]
    public void Optional_conversion_strings_may_be_empty()
    {
        EventRecord r = DecodeJson(With("conversion", "type", "\"\""));
        Assert.That(r.ConversionType.IsPresent && r.ConversionType.Length == 0, Is.True);
    }

    [Test]
    public void Click_ignores_type_and_value_like_unknown_fields()
    {
        EventRecord r = DecodeJson(Object(ClickFields.Append(("type", "\"purchase\"")).Append(("value", "\"not a number\""))));
        Assert.That(r.ConversionType.IsPresent || r.Value.IsPresent, Is.False);
    }

    [Test]
    public void Conversion_ignores_ad_id_like_an_unknown_field()
    {
        EventRecord r = DecodeJson(With("conversion", "ad_id", "42"));
        Assert.That(r.AdId.IsPresent, Is.False);
    }

    [Test]
    public void Reader_keeps_partition_position_and_ingest_ticks_but_clears_everything_else()
    {
        EventRecord r = DecodeJson(Click);
        r.Partition = 17;
        r.Position = 123456789;
        r.IngestTicks = 42;
        Assert.That(JsonEventReader.Read(Utf8(Without("conversion", "source")), ref r, MaxRecordBytes), Is.EqualTo(RejectReason.None));
        Assert.That((r.Partition, r.Position, r.IngestTicks), Is.EqualTo((17, 123456789L, 42L)));
        Assert.That(r.AdId.IsPresent || r.Source.IsPresent, Is.False, "fields of the previous click must not survive");
        Assert.That(r.Used, Is.EqualTo("v-1user-123camp-789purchase19.99".Length));

        Assert.That(JsonEventReader.Read("[]"u8, ref r, MaxRecordBytes), Is.EqualTo(RejectReason.NotAnObject));
        Assert.That((r.Kind, r.Partition, r.Position, r.IngestTicks, r.UserId.IsPresent), Is.EqualTo((EventKind.None, 17, 123456789L, 42L, false)));
    }

    [Test]
    public void Rejected_record_has_no_kind()
    {
        Assert.That(ReadJson(Without("click", "source"), out EventRecord r), Is.EqualTo(RejectReason.MissingField));
        Assert.That(r.Kind, Is.EqualTo(EventKind.None));
    }

    [Test]
    public void First_failing_required_field_in_field_order_decides_the_reason()
    {
        // user_id is checked before timestamp, whatever the order in the input.
        string json = """{"timestamp":"x","event_type":"click","event_id":"c","campaign_id":"k","ad_id":"a","source":"s"}""";
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.MissingField));
        json = """{"timestamp":1,"event_type":"click","event_id":"c","campaign_id":"k","ad_id":"a","source":"s","user_id":5}""";
        Assert.That(ReadJson(json, out _), Is.EqualTo(RejectReason.WrongType));
    }

    [Test]
    public void Every_reject_reason_is_produced_by_some_input_and_has_a_distinct_name()
    {
        var samples = new Dictionary<RejectReason, string>
        {
            [RejectReason.None] = Click,
            [RejectReason.InvalidJson] = "{",
            [RejectReason.NotAnObject] = "[]",
            [RejectReason.MissingEventType] = Without("click", "event_type"),
            [RejectReason.UnknownEventType] = With("click", "event_type", "\"view\""),
            [RejectReason.MissingField] = Without("click", "ad_id"),
            [RejectReason.WrongType] = With("click", "timestamp", "1.5"),
            [RejectReason.Oversized] = Click + new string(' ', MaxRecordBytes),
            [RejectReason.FieldTooLong] = With("click", "source", $"\"{new string('s', 65)}\""),
            [RejectReason.EmptyField] = With("click", "event_id", "\"\""),
            [RejectReason.DuplicateField] = Object(ClickFields.Append(("source", "\"x\""))),
        };
        // clock_skew is the engine's event-time guard's, never a decoder's (EventTimeGuardTests produce it).
        foreach (RejectReason reason in Enum.GetValues<RejectReason>().Where(r => r != RejectReason.ClockSkew))
        {
            byte[] input = reason == RejectReason.InvalidUtf8 ? [0x7B, 0xFF, 0x7D] : Utf8(samples[reason]);
            Assert.That(ReadJson(input, out _), Is.EqualTo(reason));
        }
        Assert.That(Enum.GetValues<RejectReason>(), Has.Length.EqualTo(RejectReasons.Count));
        Assert.That(Enum.GetValues<RejectReason>().Select(RejectReasons.Name), Is.Unique.And.Not.Contains("unknown"));
        Assert.That(RejectReasons.Name(RejectReason.DuplicateField), Is.EqualTo("duplicate_field"));
    }

    [Test]
    public void Invalid_escape_in_an_unknown_field_is_still_invalid_json()
    {
        Assert.That(ReadJson(With("click", "note", "\"\\q\""), out _), Is.EqualTo(RejectReason.InvalidJson));
    }

    [Test]
    public void Bytes_are_decoded_from_a_slice_without_reading_past_it()
    {
        byte[] padded = Utf8(Click + "GARBAGE");
        EventRecord r = default;
        Assert.That(JsonEventReader.Read(padded.AsSpan(0, Click.Length), ref r, MaxRecordBytes), Is.EqualTo(RejectReason.None));
        Assert.That(Encoding.UTF8.GetString(r.Get(r.Source)), Is.EqualTo("facebook"));
    }
}
