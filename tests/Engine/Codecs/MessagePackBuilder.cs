using System.Buffers;
using MessagePack;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>Raw MessagePack bytes that <see cref="MessagePackBuilder"/> copies as they are (for hand-made encodings).</summary>
internal sealed record RawPack(byte[] Bytes);

/// <summary>Builds MessagePack maps from (key, value) pairs: string → str, long/int → int, double → float64, float → float32,
/// null → nil, bool → bool, byte[] → bin, <see cref="RawPack"/> → copied bytes.</summary>
internal static class MessagePackBuilder
{
    public static readonly (string Key, object? Value)[] ClickEntries =
    [
        ("event_type", "click"), ("event_id", "c-1"), ("user_id", "user-123"), ("campaign_id", "camp-789"),
        ("ad_id", "ad-456"), ("source", "facebook"), ("timestamp", 1678886400000L),
    ];

    public static readonly (string Key, object? Value)[] ConversionEntries =
    [
        ("event_type", "conversion"), ("event_id", "v-1"), ("user_id", "user-123"), ("campaign_id", "camp-789"),
        ("type", "purchase"), ("value", "19.99"), ("source", "ios_app"), ("timestamp", 1678890000000L),
    ];

    public static byte[] Map(IEnumerable<(string Key, object? Value)> entries)
    {
        var list = entries.ToList();
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(list.Count);
        foreach ((string key, object? value) in list)
        {
            writer.Write(key);
            WriteValue(ref writer, value);
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] With(string kind, string key, object? value)
    {
        var list = (kind == "click" ? ClickEntries : ConversionEntries).ToList();
        int i = list.FindIndex(e => e.Key == key);
        if (i >= 0)
        {
            list[i] = (key, value);
        }
        else
        {
            list.Add((key, value));
        }
        return Map(list);
    }

    public static byte[] Without(string kind, string key) => Map((kind == "click" ? ClickEntries : ConversionEntries).Where(e => e.Key != key));

    public static byte[] Value(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        WriteValue(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteValue(ref MessagePackWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNil(); break;
            case string s: writer.Write(s); break;
            case long l: writer.Write(l); break;
            case int n: writer.Write(n); break;
            case ulong u: writer.Write(u); break;
            case double d: writer.Write(d); break;
            case float f: writer.Write(f); break;
            case bool b: writer.Write(b); break;
            case byte[] bin: writer.Write(bin); break;
            case RawPack raw: writer.WriteRaw(raw.Bytes); break;
            default: throw new ArgumentException($"unsupported {value.GetType()}");
        }
    }
}
