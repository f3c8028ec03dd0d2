using System.Buffers.Binary;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.State.Faster;
using Attribution.Tests.Support;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// A click history of two or more clicks is stored with room for a full one, so the clicks that follow are
/// merged in place instead of appending a record to the click log each time the history grows.
/// </summary>
public class ClickHistorySlackTests
{
    private const long T0 = 1_678_886_400_000;

    [Test]
    public void A_history_followed_by_zero_bytes_parses_to_the_same_clicks_and_any_other_trailing_byte_is_refused()
    {
        // Built by hand from the documented layout, not by the format's own writer.
        var value = new List<byte> { 2 };
        value.AddRange(Entry(T0, "c1", "ad-1", "fb"));
        value.AddRange(Entry(T0 + 5, "c2", "ad-2", "google"));
        var exact = value.ToArray();
        var padded = exact.Concat(new byte[40]).ToArray();

        var ts = new long[ClickHistoryFormat.MaxEntries];
        var starts = new int[ClickHistoryFormat.MaxEntries];
        var lengths = new int[ClickHistoryFormat.MaxEntries];
        Assert.That(ClickHistoryFormat.Parse(padded, ts, starts, lengths), Is.EqualTo(2));
        Assert.That(ts.Take(2), Is.EqualTo(new[] { T0, T0 + 5 }));
        Assert.That(ClickHistoryFormat.NewestTimestamp(padded), Is.EqualTo(T0 + 5));
        var second = ClickHistoryFormat.View(padded.AsSpan(starts[1], lengths[1]));
        Assert.That(System.Text.Encoding.UTF8.GetString(second.Source), Is.EqualTo("google"));

        padded[^7] = 1;
        var e = Assert.Throws<InvalidDataException>(() => ClickHistoryFormat.Parse(padded, ts, starts, lengths));
        Assert.That(e!.Message, Does.Contain("trailing bytes that are not padding"));
    }

    [Test]
    public void After_its_second_click_a_key_takes_no_more_log_however_many_clicks_follow_and_attributes_the_newest()
    {
        using var dir = new TempStateDirectory();
        using var clicks = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "clicks", IndexBuckets = 1 << 10, MemoryBytes = 4 << 20 });
        using var conversions = FasterStateTable.Create(new FasterStateTableOptions { Directory = dir.Path, Name = "conversions", IndexBuckets = 1 << 10, MemoryBytes = 4 << 20 });
        var core = new AttributionCore<FasterStateTable>(new AttributionConfig { ClickHistory = 4 }, clicks, conversions);
        var sink = new CollectingSink { Outputs = new List<AttributedOutput>() };
        var record = default(EventRecord);
        void Process(SimEvent e)
        {
            Assert.That(SimEventDecoders.Direct(e, ref record), Is.EqualTo(RejectReason.None), e.ToString());
            core.Process(ref record, ref sink);
        }

        var tails = new List<long> { clicks.GetStats().LogTailAddress };
        for (int i = 0; i < 30; i++)
        {
            // Ids of equal length, as upstream UUIDs are; the history holds the newest four.
            Process(SimEvent.Click($"click-{i:D4}", "u1", "camp", T0 + i * 1000, ad: $"ad-{i % 10}"));
            tails.Add(clicks.GetStats().LogTailAddress);
        }
        var grew = Enumerable.Range(1, 30).Where(i => tails[i] != tails[i - 1]).ToList();
        TestContext.Out.WriteLine($"log tail after each click: {string.Join(", ", tails)}");
        Assert.That(grew, Is.EqualTo(new[] { 1, 2 }), "clicks that appended a record (1-based): the first (insert) and the second (room for four)");
        Assert.That(clicks.Count, Is.EqualTo(1));

        Process(SimEvent.Conversion("conv-1", "u1", "camp", T0 + 40_000));
        Assert.That(sink.Outputs!.Select(o => (o.ClickId, o.AdId, o.ClickTime)), Is.EqualTo(new[] { ("click-0029", "ad-9", T0 + 29_000) }));
    }

    private static byte[] Entry(long ts, string eventId, string adId, string source)
    {
        var bytes = new List<byte>();
        var t = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(t, ts);
        bytes.AddRange(t);
        foreach (var field in new[] { eventId, adId, source })
        {
            var f = System.Text.Encoding.UTF8.GetBytes(field);
            bytes.Add((byte)f.Length);
            bytes.AddRange(f);
        }
        return bytes.ToArray();
    }
}
