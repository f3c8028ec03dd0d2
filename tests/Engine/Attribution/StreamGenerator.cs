using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// Random, seeded streams aimed at the contract's edges: few users and campaigns (collisions),
/// conversions at exactly 0, window−1, window and window+1 after a click and just before it, clicks
/// out of order within and beyond the allowed lateness, equal-timestamp clicks, reused conversion
/// ids, several partitions (and the same user in another partition), big event-time jumps that
/// expire state, physical-expiry points, and a few bad lines.
/// </summary>
public static class StreamGenerator
{
    private static readonly string[] Sources = ["facebook", "google", "ios_app", "tiktok"];
    private static readonly string?[] Types = ["purchase", "signup", null];
    private static readonly string?[] Values = ["19.99", "0", "9999999.99", "1e3", "-0.50", null];
    private static readonly (string Line, RejectReason Reason)[] BadLines =
    [
        ("{\"event_type\":\"click\",", RejectReason.InvalidJson),
        ("[1,2,3]", RejectReason.NotAnObject),
        ("{\"event_id\":\"x\",\"user_id\":\"u0\"}", RejectReason.MissingEventType),
        ("{\"event_type\":\"view\",\"event_id\":\"x\"}", RejectReason.UnknownEventType),
        ("{\"event_type\":\"click\",\"event_id\":\"x\",\"user_id\":\"u0\"}", RejectReason.MissingField),
        ("{\"event_type\":\"click\",\"event_id\":\"x\",\"user_id\":\"u0\",\"campaign_id\":\"c0\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":\"soon\"}", RejectReason.WrongType),
        ("{\"event_type\":\"conversion\",\"event_id\":\"x\",\"user_id\":\"u0\",\"campaign_id\":\"c0\",\"timestamp\":1,\"value\":\"19.99\"}", RejectReason.WrongType),
        ("{\"event_type\":\"conversion\",\"event_id\":\"\",\"user_id\":\"u0\",\"campaign_id\":\"c0\",\"timestamp\":1}", RejectReason.EmptyField),
        ("{\"event_type\":\"click\",\"event_type\":\"click\",\"event_id\":\"x\",\"user_id\":\"u0\",\"campaign_id\":\"c0\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1}", RejectReason.DuplicateField),
        ("{\"event_type\":\"click\",\"event_id\":\"x\",\"user_id\":\"u0\",\"campaign_id\":\"c0\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1.5}", RejectReason.WrongType),
    ];

    private static int FixedOr(int? fixedValue, int drawn) => fixedValue ?? drawn;

    /// <summary>A random configuration and a stream of <paramref name="count"/> items.</summary>
    public static (AttributionConfig Config, List<SimEvent> Items) Generate(int seed, int count, bool includeBadLines = true, int? partitions = null)
    {
        var rng = new Random(seed);
        long window = rng.Next(3) switch { 0 => 1_000, 1 => 60_000, _ => 24 * AttributionConfig.HourMs };
        long lateness = rng.Next(4) switch { 0 => 0, 1 => window / 4, 2 => window, _ => AttributionConfig.HourMs };
        long? retention = rng.Next(3) switch { 0 => null, 1 => window, _ => 3 * window };
        var config = new AttributionConfig
        {
            WindowMs = window,
            AllowedLatenessMs = lateness,
            ConversionRetentionMs = retention,
            ClickHistory = rng.Next(1, 5),
            Partitions = FixedOr(partitions, rng.Next(1, 5)), // drawn either way: a seed gives the same stream
        };
        int users = rng.Next(1, 40);
        int campaigns = rng.Next(1, 4);
        long step = Math.Max(1, window / 40);
        // Mostly realistic epoch times; sometimes around 0 and near the int64 minimum (horizon saturation).
        long clock = rng.Next(20) switch { 0 => 0, 1 => long.MinValue + rng.NextInt64(0, window), _ => 1_678_886_400_000 };

        var items = new List<SimEvent>(count);
        var recentClicks = new List<SimEvent>();
        var recentConversions = new List<SimEvent>();
        int clickIds = 0;
        int conversionIds = 0;
        while (items.Count < count)
        {
            clock = Add(clock, rng.Next(50) == 0 ? window + lateness + rng.NextInt64(0, window) : rng.NextInt64(0, step + 1));
            int userIndex = rng.Next(users);
            string user = "u" + userIndex;
            string campaign = "k" + rng.Next(campaigns);
            int partition = rng.Next(10) == 0 ? rng.Next(config.Partitions) : userIndex % config.Partitions;
            int roll = rng.Next(100);
            if (roll < 45)
            {
                long ts = clock;
                int r = rng.Next(100);
                if (r < 15)
                {
                    ts = Add(clock, -rng.NextInt64(0, lateness + 1));
                }
                else if (r < 25)
                {
                    ts = Add(clock, -(window + lateness + rng.NextInt64(-2, window)));
                }
                else if (r < 35 && recentClicks.Count > 0)
                {
                    // Same (partition, user, campaign) and the same timestamp as an earlier click.
                    SimEvent twin = recentClicks[rng.Next(recentClicks.Count)];
                    (partition, user, campaign, ts) = (twin.Partition, twin.UserId, twin.CampaignId, twin.Timestamp);
                }
                else if (r < 40)
                {
                    ts = Add(clock, -rng.NextInt64(0, 2 * window));
                }
                SimEvent click = SimEvent.Click("c-" + clickIds++, user, campaign, ts, "ad-" + rng.Next(5), Sources[rng.Next(Sources.Length)], partition);
                items.Add(click);
                Remember(recentClicks, click);
            }
            else if (roll < 92)
            {
                long ts = Add(clock, -rng.NextInt64(0, lateness + 1));
                if (recentClicks.Count > 0 && rng.Next(100) < 70)
                {
                    SimEvent basis = recentClicks[rng.Next(recentClicks.Count)];
                    (partition, user) = (basis.Partition, basis.UserId);
                    campaign = rng.Next(10) == 0 ? campaign : basis.CampaignId;
                    long offset = rng.Next(8) switch
                    {
                        0 => 0,
                        1 => window,
                        2 => window + 1,
                        3 => window - 1,
                        4 => -1,
                        5 => rng.NextInt64(0, 2 * window),
                        _ => rng.NextInt64(0, window + 1),
                    };
                    ts = Add(basis.Timestamp, offset);
                }
                string id = "v-" + conversionIds++;
                if (recentConversions.Count > 0 && rng.Next(4) == 0)
                {
                    // Reuse an id: usually the same user (a duplicate), sometimes another user (not one).
                    SimEvent earlier = recentConversions[rng.Next(recentConversions.Count)];
                    id = earlier.EventId;
                    if (rng.Next(4) != 0)
                    {
                        (partition, user) = (earlier.Partition, earlier.UserId);
                    }
                }
                SimEvent conversion = SimEvent.Conversion(id, user, campaign, ts, Types[rng.Next(Types.Length)], Values[rng.Next(Values.Length)],
                    rng.Next(2) == 0 ? null : Sources[rng.Next(Sources.Length)], partition);
                items.Add(conversion);
                Remember(recentConversions, conversion);
            }
            else if (roll < 98 || !includeBadLines)
            {
                items.Add(SimEvent.ExpireNow());
            }
            else
            {
                (string line, RejectReason reason) = BadLines[rng.Next(BadLines.Length)];
                items.Add(SimEvent.Bad(line, reason, partition));
            }
        }
        return (config, items);
    }

    private static void Remember(List<SimEvent> recent, SimEvent e)
    {
        if (recent.Count == 64)
        {
            recent.RemoveAt(0);
        }
        recent.Add(e);
    }

    private static long Add(long a, long b) => (long)Int128.Clamp((Int128)a + b, long.MinValue, long.MaxValue);
}
