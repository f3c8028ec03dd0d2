using System.Text;
using Attribution.Testing.State;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.State;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>The live last-click query, on the core and through the engine's ring.</summary>
public class LastClickQueryTests
{
    private static byte[] Click(string user, string campaign, string id, long ts) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"click\",\"event_id\":\"{id}\",\"user_id\":\"{user}\",\"campaign_id\":\"{campaign}\",\"ad_id\":\"ad-{id}\",\"source\":\"src-{id}\",\"timestamp\":{ts}}}");

    private static LastClickQuery Query(AttributionEngine engine, string user, string campaign)
    {
        var q = new LastClickQuery(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(campaign), engine.Options.Attribution.Partitions, engine.Options.Shards);
        engine.Execute(q, TimeSpan.FromSeconds(30));
        return q;
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Query_sees_every_event_submitted_before_it_and_the_newest_click_wins(int shards)
    {
        using var engine = new AttributionEngine(new EngineOptions { Shards = shards, ClickMemoryBytes = 1 << 20, ConversionMemoryBytes = 1 << 20, IndexBuckets = 64 }, new CollectingOutput());
        Assert.That(Query(engine, "alice", "k").Found, Is.False);
        for (int i = 0; i < 50; i++)
        {
            engine.Submit(Click($"user-{i}", "k", $"c{i}", 1_000 + i));
        }
        engine.Submit(Click("alice", "k", "new", 5_000));
        engine.Submit(Click("alice", "k", "old", 4_000)); // late: must not replace the newer click
        LastClickQuery q = Query(engine, "alice", "k");
        Assert.That(q.Found, Is.True);
        Assert.That((Encoding.UTF8.GetString(q.ClickId), Encoding.UTF8.GetString(q.AdId), Encoding.UTF8.GetString(q.Source), q.Timestamp),
            Is.EqualTo(("new", "ad-new", "src-new", 5_000L)));
        for (int i = 0; i < 50; i++)
        {
            Assert.That(Encoding.UTF8.GetString(Query(engine, $"user-{i}", "k").ClickId), Is.EqualTo($"c{i}"));
        }
        Assert.That(Query(engine, "alice", "other").Found, Is.False);
    }

    [Test]
    public void Core_query_ignores_expired_clicks_and_changes_no_watermark()
    {
        var config = new AttributionConfig { WindowMs = 1_000, AllowedLatenessMs = 0, Partitions = 4 };
        var core = new AttributionCore<InMemoryStateTable>(config, new InMemoryStateTable(), new InMemoryStateTable());
        var sink = new CollectingSink { Outputs = [] };
        var record = new EventRecord();
        void Apply(byte[] json, int partition)
        {
            Assert.That(JsonEventReader.Read(json, ref record, config.MaxRecordBytes), Is.EqualTo(RejectReason.None));
            record.Partition = partition;
            core.Process(ref record, ref sink);
        }
        Apply(Click("u", "k", "c1", 10_000), 2);
        Assert.That(core.TryGetLastClick(2, "u"u8, "k"u8, out ClickView v), Is.True);
        Assert.That(v.Timestamp, Is.EqualTo(10_000));
        Assert.That(core.TryGetLastClick(1, "u"u8, "k"u8, out _), Is.False, "another partition holds nothing");
        long watermark = core.Watermarks.Get(2);
        Assert.That(core.TryGetLastClick(2, "u"u8, "k"u8, out _), Is.True);
        Assert.That(core.Watermarks.Get(2), Is.EqualTo(watermark));

        Apply(Click("u", "other", "c2", 11_001), 2); // watermark − window now passes the first click
        Assert.That(core.TryGetLastClick(2, "u"u8, "k"u8, out _), Is.False, "expired clicks are not live");
        Assert.That(core.TryGetLastClick(2, "u"u8, "other"u8, out v), Is.True);
        Assert.That(Encoding.UTF8.GetString(v.EventId), Is.EqualTo("c2"));
        Assert.Throws<ArgumentException>(() => core.TryGetLastClick(2, ""u8, "k"u8, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => core.TryGetLastClick(70_000, "u"u8, "k"u8, out _));
    }
}
