using System.Text;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>
/// Random JSON event records for the differential test: mostly the producers' shape, and with a fixed share each,
/// the odd forms a decoder must get right (other field order, escapes, non-ASCII, whitespace, nulls, wrong types,
/// limits and one past them, numbers in every form, duplicates, unknown and deeply nested fields).
/// </summary>
internal sealed class JsonRecordGenerator(Random random)
{
    private static readonly string[] Timestamps =
    [
        "0", "-0", "-5", "1", "123456789012345678", "-123456789012345678", "1234567890123456789", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "12345678901234567890", "1.5", "1.0", "1e3",
        "1E+3", "-1e-3", "0.0", "\"1678886400000\"", "null", "true", "false", "{}", "[1]", "01", "-", "1.", ".5", "1e",
    ];

    private static readonly string[] Values =
    [
        "19.99", "0", "-0.5", "1e5", "9999999.99", "50.00", "-0", "1E-7", "0.1e+10", "\"19.99\"", "null", "true", "[]",
        "{\"a\":1}", "01", "1.", "+1", "NaN", new string('9', 64), new string('9', 65), "0." + new string('1', 62), "0." + new string('1', 63),
    ];

    private static readonly string[] Escaped =
    [
        "a\\\"b", "back\\\\slash", "caf\\u00e9", "line\\nbreak", "\\ud83d\\ude00", "\\ud800", "\\u0000", "tab\\t", "\\/", "\\x",
    ];

    private static readonly string[] Unicode = ["é", "日本", "😀", "\u007f", "ü-ö"];

    private static readonly string[] EventTypes =
        ["\"view\"", "null", "5", "\"cl\\u0069ck\"", "\"Click\"", "\"\"", "[\"click\"]", "\"conversion \"", "true"];

    /// <summary>One record as UTF-8 bytes.</summary>
    public byte[] Record()
    {
        bool click = random.Next(2) == 0;
        var fields = new List<(string Name, string Value)>();
        string eventType = Chance(8) ? Pick(EventTypes) : click ? "\"click\"" : "\"conversion\"";
        AddMaybe(fields, "event_type", eventType);
        AddMaybe(fields, "event_id", Text(128));
        AddMaybe(fields, "user_id", Text(128));
        AddMaybe(fields, "campaign_id", Text(128));
        if (click || Chance(10))
        {
            AddMaybe(fields, "ad_id", Text(128));
            AddMaybe(fields, "source", Text(64));
        }
        if (!click || Chance(10))
        {
            AddMaybe(fields, "type", Text(64));
            AddMaybe(fields, "value", Chance(5) ? Pick(Values) : $"{random.Next(100_000)}.{random.Next(100):00}");
            if (Chance(2))
            {
                AddMaybe(fields, "source", Text(64));
            }
        }
        AddMaybe(fields, "timestamp", Chance(6) ? Pick(Timestamps) : (1_678_886_400_000L + random.Next()).ToString());
        if (Chance(2))
        {
            fields.Add(("metadata", Chance(20) ? Nested(random.Next(10, 80)) : Nested(random.Next(0, 4))));
        }
        if (Chance(10))
        {
            fields.Insert(random.Next(fields.Count + 1), (Pick(["extra", "ad", "event_idx", "Value", "caf\u00e9"]), Nested(random.Next(0, 3))));
        }
        if (Chance(15) && fields.Count > 0)
        {
            (string name, _) = fields[random.Next(fields.Count)];
            fields.Insert(random.Next(fields.Count + 1), (name, Chance(2) ? Text(128) : "null"));
        }
        if (Chance(5))
        {
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fields));
        }
        bool spaced = Chance(10);
        var json = new StringBuilder();
        json.Append(Ws(spaced)).Append('{');
        for (int f = 0; f < fields.Count; f++)
        {
            if (f > 0)
            {
                json.Append(Ws(spaced)).Append(',');
            }
            string name = Chance(200) ? fields[f].Name.Replace("_", "\\u005f") : fields[f].Name;
            json.Append(Ws(spaced)).Append('"').Append(name).Append('"').Append(Ws(spaced)).Append(':').Append(Ws(spaced)).Append(fields[f].Value);
        }
        json.Append(Ws(spaced)).Append('}').Append(Ws(spaced));
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    private void AddMaybe(List<(string, string)> fields, string name, string value)
    {
        if (!Chance(40))
        {
            fields.Add((name, value));
        }
    }

    /// <summary>A string field's JSON value: mostly a plain id, sometimes empty, escaped, non-ASCII, at or past its limit, or not a string.</summary>
    private string Text(int limit) => random.Next(40) switch
    {
        0 => "\"\"",
        1 => $"\"{Plain(6)}{Pick(Escaped)}\"",
        2 => $"\"{Pick(Unicode)}{Plain(4)}\"",
        3 => $"\"{new string('x', limit)}\"",
        4 => $"\"{new string('x', limit + 1)}\"",
        5 => $"\"{new string('x', limit - 1)}é\"",
        6 => "null",
        7 => Pick(["1", "true", "{}", "[\"a\"]", "-2.5"]),
        8 => $"\"ctl{(char)random.Next(0, 0x20)}\"",
        _ => $"\"{Plain(random.Next(1, 40))}\"",
    };

    private string Plain(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_ ";
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }
        return new string(chars);
    }

    /// <summary>Any JSON value nested <paramref name="depth"/> containers deep.</summary>
    private string Nested(int depth)
    {
        if (depth == 0)
        {
            return Pick(["1", "\"geo\"", "true", "false", "null", "-1.5e3", "{}", "[]", "\"a\\\"b\""]);
        }
        return random.Next(2) == 0
            ? $"{{\"k{random.Next(3)}\":{Nested(depth - 1)}{(Chance(3) ? ",\"z\":[1,2]" : "")}}}"
            : $"[{Nested(depth - 1)}{(Chance(3) ? ",null" : "")}]";
    }

    private string Ws(bool spaced) => spaced && Chance(2) ? Pick([" ", "\t", "\n", "\r\n", "  "]) : "";

    private bool Chance(int oneIn) => random.Next(oneIn) == 0;

    private string Pick(string[] options) => options[random.Next(options.Length)];
}
