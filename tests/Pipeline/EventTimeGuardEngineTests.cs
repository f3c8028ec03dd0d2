using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;

namespace Attribution.Tests.Pipeline;

/// <summary>The event-time guard through the whole engine (JSON bytes → Submit → ring → shards).</summary>
public class EventTimeGuardEngineTests
{
    internal const long T0 = 1_678_886_400_000;
    internal const long Year2100 = 4_102_444_800_000;

    /// <summary>200 users × 2 campaigns: their clicks, one click stamped in 2100, then one conversion per click.</summary>
    internal static List<string> OneFutureClickStream()
    {
        var lines = new List<string>();
        for (int u = 0; u < 200; u++)
        {
            for (int k = 0; k < 2; k++)
            {
                lines.Add(Click($"c-{u}-{k}", $"user-{u}", $"camp-{k}", T0 + u * 1_000));
            }
        }
        lines.Add(Click("c-future", "user-skewed", "camp-0", Year2100));
        for (int u = 0; u < 200; u++)
        {
            for (int k = 0; k < 2; k++)
            {
                lines.Add(Conversion($"v-{u}-{k}", $"user-{u}", $"camp-{k}", T0 + 3_600_000 + u * 1_000));
            }
        }
        return lines;
    }

    internal static string Click(string id, string user, string campaign, long ts)
        => $$"""{"event_type":"click","event_id":"{{id}}","user_id":"{{user}}","campaign_id":"{{campaign}}","ad_id":"ad-1","source":"facebook","timestamp":{{ts}}}""";

    internal static string Conversion(string id, string user, string campaign, long ts)
        => $$"""{"event_type":"conversion","event_id":"{{id}}","user_id":"{{user}}","campaign_id":"{{campaign}}","type":"purchase","value":19.99,"timestamp":{{ts}}}""";

    private static EngineOptions Options(AttributionConfig config) => new()
    {
        Attribution = config,
        Shards = 1,
        RingSize = 256,
        ClickMemoryBytes = 1 << 20,
        ConversionMemoryBytes = 1 << 20,
        IndexBuckets = 1 << 10,
    };

    [Test]
    public void One_click_stamped_in_2100_does_not_expire_the_state_of_a_single_partition()
    {
        var output = new CollectingOutput();
        var rejected = new List<(long Line, RejectReason Reason)>();
        List<string> lines = OneFutureClickStream();
        using (var engine = new AttributionEngine(Options(new AttributionConfig { Partitions = 1 }), output))
        {
            for (int i = 0; i < lines.Count; i++)
            {
                RejectReason reason = engine.Submit(Encoding.UTF8.GetBytes(lines[i]), position: i + 1);
                if (reason != RejectReason.None)
                {
                    rejected.Add((i + 1, reason));
                }
            }
            engine.Flush();
        }
        Assert.That(output.Items, Has.Count.EqualTo(400), "every conversion is attributed to its user's click");
        Assert.That(rejected, Is.EqualTo(new[] { (401L, RejectReason.ClockSkew) }), "only the 2100 click is rejected, with its reason");
    }
}
