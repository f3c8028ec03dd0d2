using System.Text;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using static Attribution.Tests.Engine.Codecs.CodecSamples;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>
/// Differential property test of the JSON fast path: for generated valid records (producer shapes and odd ones),
/// mutations of them and every truncation, <see cref="JsonEventReader.Read"/> (fast path, then fallback) must give
/// exactly what <see cref="JsonEventReader.ReadExact"/> (Utf8JsonReader only, the oracle) gives: the reason, the
/// rejected field and every decoded field. Rerun a failure with ATTRIBUTION_SEED.
/// </summary>
public class JsonFastPathDifferentialTests
{
    private const int Limit = 4096;
    private const int Cases = 60_000;

    [Test]
    public void Fast_path_and_exact_reader_agree_on_generated_mutated_and_truncated_records()
    {
        var random = new Random(TestSeed.Get());
        var generator = new JsonRecordGenerator(random);
        var seeds = new List<byte[]>();
        int fastDecided = 0, fastRejected = 0, compared = 0;
        var reasons = new int[RejectReasons.Count];
        for (int n = 0; n < Cases; n++)
        {
            byte[] input;
            switch (n % 4)
            {
                case 0:
                case 1:
                    input = generator.Record();
                    if (seeds.Count < 256)
                    {
                        seeds.Add(input);
                    }
                    break;
                case 2:
                    input = CodecFuzzTests.Mutate(random, seeds.Count > 0 ? [.. seeds] : [Utf8(Click)]);
                    break;
                default:
                    byte[] whole = generator.Record();
                    input = whole[..random.Next(whole.Length + 1)];
                    break;
            }
            RejectReason reason = Compare(input, ref fastDecided, ref fastRejected);
            reasons[(int)reason]++;
            compared++;
        }
        TestContext.Out.WriteLine($"{compared} inputs, fast path decided {fastDecided} ({fastRejected} of them rejections); "
            + string.Join(", ", Enum.GetValues<RejectReason>().Select(r => $"{RejectReasons.Name(r)}={reasons[(int)r]}")));
        // Not vacuous: the fast path must decide many inputs, including rejections, and the inputs must reach many reasons.
        Assert.That(fastDecided, Is.GreaterThan(Cases / 4));
        Assert.That(fastRejected, Is.GreaterThan(Cases / 100));
        Assert.That(reasons.Count(c => c > 0), Is.GreaterThanOrEqualTo(10));
    }

    [Test]
    public void Every_truncation_of_the_sample_lines_reads_as_the_exact_reader_reads_it()
    {
        int fastDecided = 0, fastRejected = 0;
        foreach (string line in Lines)
        {
            byte[] bytes = Utf8(line);
            for (int length = 0; length <= bytes.Length; length++)
            {
                Compare(bytes[..length], ref fastDecided, ref fastRejected);
            }
        }
        Assert.That(fastDecided, Is.GreaterThan(0));
    }

    [TestCase(Click)]
    [TestCase(Conversion)]
    [TestCase("""{"event_type":"conversion","event_id":"v-1","user_id":"u","campaign_id":"c","type":"purchase","value":1,"timestamp":1}""")]
    [TestCase("""{ "event_type" : "click" , "event_id":"c" ,"user_id":"u","campaign_id":"c","ad_id":"a","source":"s","timestamp":1 }""")]
    [TestCase("""{"timestamp":1,"source":"s","ad_id":"a","campaign_id":"c","user_id":"ü","event_id":"c","event_type":"click","x":[1,{"y":null}]}""")]
    public void Producer_shaped_records_take_the_fast_path(string json)
    {
        EventRecord record = default;
        var fields = default(EventFieldTracker);
        Assert.That(JsonFastPath.TryScan(Utf8(json), ref record, ref fields), Is.True);
    }

    private static RejectReason Compare(byte[] input, ref int fastDecided, ref int fastRejected)
    {
        EventRecord expected = default;
        EventRecord actual = default;
        // Stale content from an earlier record must not leak into either result.
        FillWithGarbage(ref expected);
        FillWithGarbage(ref actual);
        RejectReason expectedReason = JsonEventReader.ReadExact(input, ref expected, Limit);
        RejectReason actualReason = JsonEventReader.Read(input, ref actual, Limit);

        EventRecord probe = default;
        var fields = default(EventFieldTracker);
        if (input.Length <= Limit && Utf8Check(input) && JsonFastPath.TryScan(input, ref probe, ref fields))
        {
            fastDecided++;
            fastRejected += expectedReason == RejectReason.None ? 0 : 1;
        }

        string show = Show(input);
        Assert.That(actualReason, Is.EqualTo(expectedReason), show);
        Assert.That(actual.RejectedField, Is.EqualTo(expected.RejectedField), show);
        Assert.That(actual.Kind, Is.EqualTo(expected.Kind), show);
        Assert.That(Describe(actual), Is.EqualTo(Describe(expected)), show);
        Assert.That(actual.Used, Is.EqualTo(expected.Used), show);
        return expectedReason;
    }

    private static bool Utf8Check(byte[] input) => System.Text.Unicode.Utf8.IsValid(input);

    private static void FillWithGarbage(ref EventRecord record)
    {
        record.Kind = EventKind.Click;
        record.Timestamp = 42;
        record.RejectedField = RecordField.Value;
        ((Span<byte>)record.Bytes).Fill((byte)'#');
    }

    private static string Show(byte[] input) => $"{Convert.ToHexString(input)} ({Encoding.UTF8.GetString(input)})";
}
