using System.Globalization;
using System.Text;

namespace Attribution.Host.Demo;

/// <summary>
/// Upstream-like traffic for the demo, seeded: a skewed population of users (a few are very active),
/// clicks on campaigns' ads from several sources, conversions that mostly follow a recent click of the
/// same user and campaign, re-sent conversions (duplicates), events arriving minutes late (within the
/// allowed lateness) and a few hours late (too late to count), and a little bad input (invalid JSON,
/// missing fields, unknown types, empty values). Event time is the wall clock given to <see cref="Next"/>.
/// </summary>
public sealed class TrafficGenerator
{
    private static readonly string[] Sources = ["facebook", "google", "tiktok", "snap", "ios_app", "android_app"];
    private static readonly string[] ConversionTypes = ["purchase", "signup", "add_to_cart", "subscribe"];
    private static readonly string[] Values = ["19.99", "0", "4.50", "129.00", "9999999.99", "0.99", "42"];
    private static readonly string?[] BadValues =
    [
        "{\"event_type\":\"click\",\"event_id\":",                                     // truncated JSON
        "not json at all",
        "{\"event_type\":\"view\",\"event_id\":\"x\",\"user_id\":\"u\",\"timestamp\":1}", // unknown type
        "{\"event_type\":\"click\",\"event_id\":\"x\",\"campaign_id\":\"c\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1}", // no user_id
        "{\"event_type\":\"conversion\",\"event_id\":\"x\",\"user_id\":\"u\",\"campaign_id\":\"c\",\"timestamp\":\"yesterday\"}",
        null, // an empty record (tombstone)
    ];

    private readonly Random _rng;
    private readonly int _users;
    private readonly int _campaigns;
    private readonly (string User, string Campaign, long Ts)[] _recentClicks = new (string, string, long)[4096];
    private readonly (string User, string Campaign, string Id, string Line)[] _recentConversions = new (string, string, string, string)[1024];
    private int _clickCount;
    private int _conversionCount;

    /// <summary>Creates a generator; the same seed gives the same sequence for the same clock readings.</summary>
    public TrafficGenerator(int seed, int users = 20_000, int campaigns = 30)
    {
        _rng = new Random(seed);
        _users = users;
        _campaigns = campaigns;
    }

    /// <summary>Events generated.</summary>
    public long Generated { get; private set; }
    /// <summary>Clicks generated.</summary>
    public long Clicks { get; private set; }
    /// <summary>Conversions generated (duplicates included).</summary>
    public long Conversions { get; private set; }
    /// <summary>Conversions re-sent with an id already sent.</summary>
    public long Duplicates { get; private set; }
    /// <summary>Events timestamped in the past (late).</summary>
    public long Late { get; private set; }
    /// <summary>Bad records.</summary>
    public long Bad { get; private set; }

    /// <summary>The next record: its key (user_id) and value (null = empty record).</summary>
    public (string Key, byte[]? Value) Next(long nowMs)
    {
        Generated++;
        int roll = _rng.Next(10_000);
        if (roll < 20)
        {
            Bad++;
            string? bad = BadValues[_rng.Next(BadValues.Length)];
            return ("bad-input", bad is null ? null : Encoding.UTF8.GetBytes(bad));
        }
        long ts = nowMs;
        int late = _rng.Next(1000);
        if (late < 30)
        {
            ts -= _rng.NextInt64(60_000, 50 * 60_000); // minutes late: still within the default hour of lateness
            Late++;
        }
        else if (late < 33)
        {
            ts -= _rng.NextInt64(26 * 3_600_000L, 30 * 3_600_000L); // beyond window + lateness: expires on arrival
            Late++;
        }
        if (roll < 6_000)
        {
            return Click(ts);
        }
        if (roll < 6_300 && _conversionCount > 0)
        {
            var (user, _, _, line) = _recentConversions[_rng.Next(Math.Min(_conversionCount, _recentConversions.Length))];
            Duplicates++;
            Conversions++;
            return (user, Encoding.UTF8.GetBytes(line));
        }
        return Conversion(ts);
    }

    private (string, byte[]?) Click(long ts)
    {
        string user = User();
        string campaign = Campaign();
        int id = _clickCount++;
        _recentClicks[id % _recentClicks.Length] = (user, campaign, ts);
        Clicks++;
        string ad = $"ad-{campaign[5..]}-{_rng.Next(5)}";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{{\"event_type\":\"click\",\"event_id\":\"c-{id}\",\"user_id\":\"{user}\",\"campaign_id\":\"{campaign}\",\"ad_id\":\"{ad}\",\"source\":\"{Sources[_rng.Next(Sources.Length)]}\",\"timestamp\":{ts},\"metadata\":{{\"geo\":\"{Geo()}\"}}}}");
        return (user, Encoding.UTF8.GetBytes(line));
    }

    private (string, byte[]?) Conversion(long ts)
    {
        string user;
        string campaign;
        if (_clickCount > 0 && _rng.Next(100) < 75)
        {
            // Mostly after a recent click of the same user: the attributable case.
            var click = _recentClicks[_rng.Next(Math.Min(_clickCount, _recentClicks.Length))];
            user = click.User;
            campaign = _rng.Next(10) == 0 ? Campaign() : click.Campaign;
            ts = Math.Max(ts, click.Ts);
        }
        else
        {
            user = User();
            campaign = Campaign();
        }
        int n = _conversionCount++;
        string id = $"v-{n}";
        string source = _rng.Next(3) == 0 ? "" : $",\"source\":\"{Sources[_rng.Next(Sources.Length)]}\"";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{{\"event_type\":\"conversion\",\"event_id\":\"{id}\",\"user_id\":\"{user}\",\"campaign_id\":\"{campaign}\",\"type\":\"{ConversionTypes[_rng.Next(ConversionTypes.Length)]}\",\"value\":{Values[_rng.Next(Values.Length)]}{source},\"timestamp\":{ts}}}");
        _recentConversions[n % _recentConversions.Length] = (user, campaign, id, line);
        Conversions++;
        return (user, Encoding.UTF8.GetBytes(line));
    }

    // Skewed: a few users produce much of the traffic, as on real sites.
    private string User()
    {
        double r = _rng.NextDouble();
        return string.Create(CultureInfo.InvariantCulture, $"user-{(int)(_users * r * r):D6}");
    }

    private string Campaign() => string.Create(CultureInfo.InvariantCulture, $"camp-{_rng.Next(_campaigns):D3}");

    private string Geo() => _rng.Next(4) switch { 0 => "US", 1 => "DE", 2 => "BR", _ => "IN" };
}
