using System.Diagnostics;
using System.Text;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using static Attribution.Tests.Engine.Codecs.CodecSamples;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>
/// Seeded mutation fuzzing of both readers (about one second each): no input may throw, and every accepted record
/// must survive a write/read round trip in both formats. Rerun a failure with ATTRIBUTION_SEED.
/// </summary>
public class CodecFuzzTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);
    private const int Limit = 4096;

    private static readonly byte[] InterestingBytes =
        Utf8("{}[]\":,\\0-.eE+ntfu").Concat(new byte[] { 0x00, 0x1F, 0x7F, 0x80, 0xC0, 0xC1, 0xC3, 0xCB, 0xD3, 0xDB, 0xDD, 0xDF, 0xFF, 0x90, 0x91, 0x81, 0xA0, 0xA5 }).ToArray();

    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "null", "true", "1e999", "-0", "1.5", "9223372036854775808", "\"\"", "\"event_id\":\"x\",", "\"event_type\":", "{\"a\":[",
            "\\u0000", "\\ud800", "\\\"", "\"value\":", "\"timestamp\":1,", "\"click\"", "\"conversion\"", "]]]]", "}}}}",
        }.Select(Utf8),
    ];

    [Test]
    public void Mutated_json_never_throws_and_accepted_records_round_trip()
    {
        byte[][] seeds = Lines.Select(Utf8).ToArray();
        Fuzz(seeds, (byte[] input, ref EventRecord r) => JsonEventReader.Read(input, ref r, Limit));
    }

    [Test]
    public void Mutated_messagepack_never_throws_and_accepted_records_round_trip()
    {
        byte[][] seeds = Lines.Select(l => ToMessagePack(DecodeJson(l))).ToArray();
        Fuzz(seeds, (byte[] input, ref EventRecord r) => MessagePackEventReader.Read((ReadOnlySpan<byte>)input, ref r, Limit));
    }

    private delegate RejectReason Reader(byte[] input, ref EventRecord record);

    private static void Fuzz(byte[][] seeds, Reader read)
    {
        var random = new Random(TestSeed.Get());
        var counts = new int[RejectReasons.Count];
        var clock = Stopwatch.StartNew();
        long cases = 0;
        EventRecord record = default;
        while (clock.Elapsed < Budget)
        {
            byte[] input = Mutate(random, seeds);
            cases++;
            RejectReason reason;
            try
            {
                reason = read(input, ref record);
            }
            catch (Exception e)
            {
                Assert.Fail($"threw on input {Show(input)}: {e}");
                return;
            }
            counts[(int)reason]++;
            Assert.That(record.Kind != EventKind.None, Is.EqualTo(reason == RejectReason.None), Show(input));
            if (reason == RejectReason.None)
            {
                CheckRoundTrip(record, input);
            }
        }
        TestContext.Out.WriteLine($"{cases} cases: " + string.Join(", ",
            Enum.GetValues<RejectReason>().Select(r => $"{RejectReasons.Name(r)}={counts[(int)r]}")));
        // The fuzzer must actually reach both acceptance and a variety of rejections to mean anything.
        Assert.That(cases, Is.GreaterThan(1000));
        Assert.That(counts[(int)RejectReason.None], Is.GreaterThan(0));
        Assert.That(counts.Count(c => c > 0), Is.GreaterThanOrEqualTo(6));
    }

    private static void CheckRoundTrip(in EventRecord record, byte[] input)
    {
        string expected = Describe(record);
        Assert.That(ReadJson(Encoding.UTF8.GetBytes(ToJson(record)), out EventRecord viaJson), Is.EqualTo(RejectReason.None), Show(input));
        Assert.That(Describe(viaJson), Is.EqualTo(expected), Show(input));
        Assert.That(ReadMessagePack(ToMessagePack(record), out EventRecord viaPack), Is.EqualTo(RejectReason.None), Show(input));
        Assert.That(Describe(viaPack), Is.EqualTo(expected), Show(input));
    }

    internal static byte[] Mutate(Random random, byte[][] seeds)
    {
        if (random.Next(50) == 0)
        {
            byte[] noise = new byte[random.Next(64)];
            random.NextBytes(noise);
            return noise;
        }
        var bytes = new List<byte>(seeds[random.Next(seeds.Length)]);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 2:
                    bytes.Insert(at, InterestingBytes[random.Next(InterestingBytes.Length)]);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                    break;
                case 4 when bytes.Count > 0:
                    int length = Math.Min(bytes.Count - at, 1 + random.Next(16));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                case 5:
                    bytes.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 6 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    byte[] other = seeds[random.Next(seeds.Length)];
                    int from = random.Next(other.Length);
                    bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + random.Next(24))).ToArray());
                    break;
            }
        }
        return bytes.ToArray();
    }

    private static string Show(byte[] input) => $"{Convert.ToHexString(input)} ({Encoding.UTF8.GetString(input)})";
}
