namespace Attribution.Tests.Reliability.Fuzz;

/// <summary>
/// Byte-level mutations for the fuzzer: bit flips, boundary bytes, deletions, duplications, splices from other inputs,
/// dictionary tokens (field names, numbers at the edges of int64, escapes, MessagePack length codes) and truncation.
/// </summary>
internal sealed class FuzzMutator(Random random)
{
    private static readonly byte[] Boundary = [0x00, 0x01, 0x0A, 0x0D, 0x1F, 0x20, 0x22, 0x2C, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xCB, 0xCF, 0xD3, 0xD9, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xED, 0xEF, 0xF4, 0xF5, 0xFF];

    private static readonly byte[][] Dictionary =
    [
        .. new[]
        {
            "\"event_type\"", "\"click\"", "\"conversion\"", "\"event_id\"", "\"user_id\"", "\"campaign_id\"", "\"ad_id\"", "\"source\"",
            "\"type\"", "\"value\"", "\"timestamp\"", "\"metadata\"", "null", "true", "false", "-0", "1e308", "1e-400", "9223372036854775807",
            "-9223372036854775808", "18446744073709551616", "0.0000000000000000000001", "\\u0000", "\\ud83d\\ude00", "\\udc00", "\\\\", "\\\"",
            "[[[[[[[[", "]]]]", "{\"a\":{\"b\":", "}}}}", ",", ":", "\"\"", "\"window_hours\"", "\"shards\"", "\"partitions\"", "\"max_record_bytes\"",
            "\"output_format\"", "\"msgpack\"", "\"wait\"", "\"ring_size\"", "\"click_history\"", "\"allowed_lateness_ms\"", "\r\n", "\n\n",
        }.Select(t => System.Text.Encoding.UTF8.GetBytes(t)),
        [0xDB, 0xFF, 0xFF, 0xFF, 0xFF], [0xDF, 0x7F, 0xFF, 0xFF, 0xFF], [0xDD, 0x00, 0x01, 0x00, 0x00], [0xCF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        [0xFF, 0xFF, 0xFF, 0x7F], [0x00, 0x00, 0x00, 0x00], [0xEF, 0xBB, 0xBF], [0xF0, 0x9F, 0x98],
    ];

    /// <summary>A mutant of <paramref name="input"/>, sometimes spliced with <paramref name="other"/>, at most <paramref name="maxLength"/> bytes.</summary>
    public byte[] Mutate(byte[] input, byte[] other, int maxLength)
    {
        var bytes = new List<byte>(input);
        int rounds = 1 + random.Next(random.Next(2) == 0 ? 3 : 8);
        for (int m = 0; m < rounds; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(10))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Boundary[random.Next(Boundary.Length)];
                    break;
                case 2:
                    bytes.Insert(at, Boundary[random.Next(Boundary.Length)]);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(12)));
                    break;
                case 4 when bytes.Count > 0:
                    int length = Math.Min(bytes.Count - at, 1 + random.Next(32));
                    var chunk = bytes.GetRange(at, length);
                    int copies = random.Next(8) == 0 ? 1 + random.Next(64) : 1;
                    for (int c = 0; c < copies; c++)
                    {
                        bytes.InsertRange(random.Next(bytes.Count + 1), chunk);
                    }
                    break;
                case 5 when other.Length > 0:
                    int from = random.Next(other.Length);
                    bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + random.Next(48))).ToArray());
                    break;
                case 6 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 7 when bytes.Count > 1:
                    // Swap two bytes: reorders fields, brackets and frame lengths.
                    int b = random.Next(bytes.Count);
                    (bytes[at], bytes[b]) = (bytes[b], bytes[at]);
                    break;
                default:
                    bytes.InsertRange(at, Dictionary[random.Next(Dictionary.Length)]);
                    break;
            }
        }
        if (bytes.Count > maxLength)
        {
            bytes.RemoveRange(maxLength, bytes.Count - maxLength);
        }
        return bytes.ToArray();
    }
}
