using Attribution.Engine.Attribution;
using Attribution.Tests.Attribution;

namespace Attribution.Tests.Reliability;

/// <summary>
/// A seeded stream whose state outgrows a small memory budget: tens of thousands of users, event time
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
        long step = 2 * config.WindowMs / 7_500; // ~7,500 events per window on average
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
                var click = SimEvent.Click("c-" + clicks, "user-" + rng.Next(users).ToString("D7", System.Globalization.CultureInfo.InvariantCulture),
                    "camp-" + rng.Next(8), ts, "ad-" + rng.Next(100), rng.Next(2) == 0 ? "facebook" : "google");
                recent[clicks++ % recent.Length] = click;
                items.Add(click);
            }
            else
            {
                SimEvent basis = recent[rng.Next(Math.Min(clicks, recent.Length))];
                string id = rng.Next(10) == 0 && conversions > 0 ? "v-" + rng.Next(conversions) : "v-" + conversions;
                conversions++;
                string campaign = rng.Next(10) == 0 ? "camp-" + rng.Next(8) : basis.CampaignId;
                items.Add(SimEvent.Conversion(id, basis.UserId, campaign, Math.Max(basis.Timestamp, clock - rng.NextInt64(0, 60_000)), value: "19.99"));
            }
        }
        return (config, items);
    }
}
