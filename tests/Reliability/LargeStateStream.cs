using Attribution.Engine.Attribution;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Reliability;

/// <summary>
/// A seeded stream whose state outgrows a small memory budget: thousands of users with UUID-sized ids, event time
/// that moves a window every ~30,000 events (so sweeps expire state and the log is compacted), some
/// out-of-order clicks, conversions of recent clicks (most attributed) and reused conversion ids.
/// </summary>
internal static class LargeStateStream
{
    public static (AttributionConfig Config, List<SimEvent> Items) Generate(int seed, int count)
    {
        var rng = new Random(seed);
        var config = new AttributionConfig
        {
            WindowMs = AttributionConfig.HourMs,
            AllowedLatenessMs = 10 * 60_000,
            ClickHistory = 2,
            Partitions = 16,
        };
        int users = Math.Max(1_000, count / 3);
        long step = 2 * config.WindowMs / 5_000; // ~5,000 events per window on average
        long clock = 1_678_886_400_000;
        var items = new List<SimEvent>(count);
        var recent = new SimEvent[4_096];
        int clicks = 0, conversions = 0;
        while (items.Count < count)
        {
            clock += rng.NextInt64(0, step + 1);
            if (rng.Next(100) < 65 || clicks == 0)
            {
                long ts = rng.Next(10) == 0 ? clock - rng.NextInt64(0, config.AllowedLatenessMs) : clock;
                var click = SimEvent.Click(Id36("c", clicks), Id36("u", rng.Next(users)), "camp-" + rng.Next(8), ts, "ad-" + rng.Next(100), rng.Next(2) == 0 ? "facebook" : "google");
                recent[clicks++ % recent.Length] = click;
                items.Add(click);
            }
            else
            {
                SimEvent basis = recent[rng.Next(Math.Min(clicks, recent.Length))];
                string id = Id36("v", rng.Next(10) == 0 && conversions > 0 ? rng.Next(conversions) : conversions);
                conversions++;
                string campaign = rng.Next(10) == 0 ? "camp-" + rng.Next(8) : basis.CampaignId;
                items.Add(SimEvent.Conversion(id, basis.UserId, campaign, Math.Max(basis.Timestamp, clock - rng.NextInt64(0, 60_000)), value: "19.99"));
            }
        }
        return (config, items);
    }

    // UUID-sized ids (40 characters), so that records have about their production size.
    private static string Id36(string kind, int n) => $"{kind}{n:D11}-0000-4000-8000-000000000000";
}
