using System.Buffers;
using System.Text;
using Attribution.Testing.Codecs;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>Sample wire records and helpers shared by the codec tests.</summary>
internal static class CodecSamples
{
    public const int MaxRecordBytes = 64 * 1024;

    public const string Click =
        """{"event_type":"click","event_id":"c-1","user_id":"user-123","campaign_id":"camp-789","ad_id":"ad-456","source":"facebook","timestamp":1678886400000,"metadata":{"geo":"US"}}""";

    public const string Conversion =
        """{"event_type":"conversion","event_id":"v-1","user_id":"user-123","campaign_id":"camp-789","type":"purchase","value":19.99,"source":"ios_app","timestamp":1678890000000}""";

    /// <summary>About ten realistic lines (clicks and conversions, with and without optional fields, escapes, metadata).</summary>
    public static readonly string[] Lines =
    [
        Click,
        Conversion,
        """{"event_type":"click","event_id":"c-2","user_id":"user-9","campaign_id":"camp-1","ad_id":"ad-1","source":"google","timestamp":1678886400001}""",
        """{"timestamp":1678886400002,"source":"tiktok","ad_id":"ad-2","campaign_id":"camp-2","user_id":"user-10","event_id":"c-3","event_type":"click","metadata":null}""",
        """{"event_type":"click","event_id":"c-4","user_id":"caf\u00e9","campaign_id":"camp-\"q\"","ad_id":"ad\\3","source":"news","timestamp":1678886400003,"metadata":{"geo":"FR","tags":["a","b",{"x":[1,2,3]}]}}""",
        """{"event_type":"conversion","event_id":"v-2","user_id":"user-9","campaign_id":"camp-1","value":0,"timestamp":1678886400100}""",
        """{"event_type":"conversion","event_id":"v-3","user_id":"user-10","campaign_id":"camp-2","type":"signup","value":50.00,"timestamp":1678886400200}""",
        """{"event_type":"conversion","event_id":"v-4","user_id":"user-11","campaign_id":"camp-3","type":null,"value":9999999.99,"source":null,"timestamp":1678886400300}""",
        """{"event_type":"conversion","event_id":"v-5","user_id":"user-12","campaign_id":"camp-4","timestamp":1678886400400,"extra":[true,false,null]}""",
        """{"event_type":"conversion","event_id":"v-6","user_id":"user-13","campaign_id":"camp-5","type":"purchase","value":-0.5,"source":"web","timestamp":1678886400500}""",
    ];

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static RejectReason ReadJson(string json, out EventRecord record) => ReadJson(Utf8(json), out record);

    public static RejectReason ReadJson(byte[] json, out EventRecord record)
    {
        record = default;
        return JsonEventReader.Read(json, ref record, MaxRecordBytes);
    }

    public static RejectReason ReadMessagePack(byte[] bytes, out EventRecord record)
    {
        record = default;
        return MessagePackEventReader.Read((ReadOnlySpan<byte>)bytes, ref record, MaxRecordBytes);
    }

    public static EventRecord DecodeJson(string json)
    {
        RejectReason reason = ReadJson(json, out EventRecord record);
        Assert.That(reason, Is.EqualTo(RejectReason.None), json);
        return record;
    }

    public static string Text(in EventRecord record, Utf8Field field)
        => field.IsPresent ? Encoding.UTF8.GetString(record.Get(field)) : "<absent>";

    /// <summary>A readable rendering of everything a decoder sets, for equality checks with useful failure messages.</summary>
    public static string Describe(in EventRecord r)
        => $"{r.Kind} ts={r.Timestamp} event_id={Text(r, r.EventId)} user_id={Text(r, r.UserId)} campaign_id={Text(r, r.CampaignId)} "
           + $"ad_id={Text(r, r.AdId)} source={Text(r, r.Source)} type={Text(r, r.ConversionType)} value={Text(r, r.Value)}";

    public static byte[] ToMessagePack(in EventRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new MessagePackEventWriter().Write(buffer, record);
        return buffer.WrittenSpan.ToArray();
    }

    public static string ToJson(in EventRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new EventJsonWriter().Write(buffer, record);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A click view over a decoded click record (the shape the attribution state hands to writers).</summary>
    public static ClickView ViewOf(in EventRecord click)
        => new(RecordFields.Get(click, click.EventId), RecordFields.Get(click, click.AdId), RecordFields.Get(click, click.Source), click.Timestamp);
}
