using System.Globalization;
using System.Text;

namespace Attribution.Host.Demo;

/// <summary>
/// Upstream-like traffic for the demo, seeded: a skewed population of users (a few are very active),
/// clicks on campaigns' ads from several sources, conversions that mostly follow an earlier click of the
/// same user and campaign, re-sent conversions (duplicates), events arriving minutes late (within the
/// allowed lateness), clicks a few hours late (too late to count), and a little bad input (invalid JSON,
/// missing fields, unknown types, empty values). Event time is the generation clock given to <see cref="Next"/>.
/// </summary>
/// <remarks>
/// With an order slack (for input keyed by something other than the user, whose events then reach the engine
/// in an order that is the generation order only up to how partitions interleave) it is order-robust by
/// construction, so the attributions are exactly those of the generation order: the events of one
/// (user, campaign) are at least the slack of generation time apart (a busy pair gives way to another campaign
/// or a new user), so a conversion's click, a re-sent conversion's original and any click that could compete
/// for it are all that much older. The price: in the first slack of a run no conversion follows a click.
/// Only clicks are sent hours late: a late click can then never be attributed, so whether it is stored
/// (in a partition's first events, before its event time starts) changes no output.
/// </remarks>
public sealed class TrafficGenerator
{
    /// <summary>The order slack for mis-keyed input: least generation time between two events of one (user, campaign).</summary>
    public const long MisKeyedOrderSlackMs = 2_000;

    private const int Pick = 4096; // conversions follow (re-send) one of the latest this many eligible clicks (conversions)
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
    // In generation order, so the entries old enough to follow are a prefix (counted by the "eligible" counters).
    private readonly (int User, int Campaign, long Ts, long GeneratedAt)[] _clicks = new (int, int, long, long)[1 << 17];
    private readonly (int User, int Campaign, string Line, long GeneratedAt)[] _conversions = new (int, int, string, long)[1 << 16];
    private readonly Dictionary<long, long> _pairLastGenerated = new(); // (user, campaign) → generation time of its last event
    private long _clickCount;
    private long _eligibleClicks;
    private long _conversionCount;
    private long _eligibleConversions;
    private readonly long _orderSlackMs;
    private int _newUsers;

    /// <summary>
    /// Creates a generator; the same seed and slack give the same sequence for the same clock readings.
    /// <paramref name="orderSlackMs"/> is the least generation time between two events of one (user, campaign).
    /// </summary>
    public TrafficGenerator(int seed, int users = 20_000, int campaigns = 30, long orderSlackMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderSlackMs);
        _orderSlackMs = orderSlackMs;
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

    /// <summary>The generation clock of event <paramref name="index"/> when paced at <paramref name="rate"/> events/s from <paramref name="startMs"/>.</summary>
    public static long PacedClock(long startMs, long index, int rate) => startMs + index * 1000 / rate;

    /// <summary>The next record: its key (user_id) and value (null = empty record); <paramref name="nowMs"/> must not go back.</summary>
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
        else if (late < 33 && roll < 6_000)
        {
            ts -= _rng.NextInt64(26 * 3_600_000L, 30 * 3_600_000L); // beyond window + lateness: expires on arrival
            Late++;
        }
        Advance(nowMs);
        if (roll < 6_000)
        {
            return Click(ts, nowMs);
        }
        if (roll < 6_300 && _eligibleConversions > 0)
        {
            var (user, campaign, line, _) = _conversions[Recent(_eligibleConversions, _conversions.Length)];
            if (Free(user, campaign, nowMs))
            {
                Touch(user, campaign, nowMs);
                Duplicates++;
                Conversions++;
                return (UserId(user), Encoding.UTF8.GetBytes(line));
            }
        }
        return Conversion(ts, nowMs);
    }

    // Counts the clicks and conversions generated at least the slack ago (the ones that may be followed).
    private void Advance(long nowMs)
    {
        long cutoff = nowMs - _orderSlackMs;
        _eligibleClicks = Math.Max(_eligibleClicks, _clickCount - _clicks.Length); // overwritten ones are gone
        while (_eligibleClicks < _clickCount && _clicks[_eligibleClicks % _clicks.Length].GeneratedAt <= cutoff)
        {
            _eligibleClicks++;
        }
        _eligibleConversions = Math.Max(_eligibleConversions, _conversionCount - _conversions.Length);
        while (_eligibleConversions < _conversionCount && _conversions[_eligibleConversions % _conversions.Length].GeneratedAt <= cutoff)
        {
            _eligibleConversions++;
        }
    }

    private int Recent(long eligible, int ringLength) => (int)((eligible - 1 - _rng.Next((int)Math.Min(eligible, Pick))) % ringLength);

    private (string, byte[]?) Click(long ts, long nowMs)
    {
        var (user, campaign) = FreePair(User(), Campaign(), nowMs);
        long id = _clickCount++;
        _clicks[id % _clicks.Length] = (user, campaign, ts, nowMs);
        Clicks++;
        string ad = $"ad-{campaign:D3}-{_rng.Next(5)}";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{{\"event_type\":\"click\",\"event_id\":\"c-{id}\",\"user_id\":\"{UserId(user)}\",\"campaign_id\":\"{CampaignId(campaign)}\",\"ad_id\":\"{ad}\",\"source\":\"{Sources[_rng.Next(Sources.Length)]}\",\"timestamp\":{ts},\"metadata\":{{\"geo\":\"{Geo()}\"}}}}");
        return (UserId(user), Encoding.UTF8.GetBytes(line));
    }

    private (string, byte[]?) Conversion(long ts, long nowMs)
    {
        int user;
        int campaign;
        if (_eligibleClicks > 0 && _rng.Next(100) < 75)
        {
            // Mostly after an earlier click of the same user: the attributable case.
            var click = _clicks[Recent(_eligibleClicks, _clicks.Length)];
            (user, campaign) = FreePair(click.User, _rng.Next(10) == 0 ? Campaign() : click.Campaign, nowMs);
            ts = Math.Max(ts, click.Ts);
        }
        else
        {
            (user, campaign) = FreePair(User(), Campaign(), nowMs);
        }
        long n = _conversionCount++;
        string source = _rng.Next(3) == 0 ? "" : $",\"source\":\"{Sources[_rng.Next(Sources.Length)]}\"";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{{\"event_type\":\"conversion\",\"event_id\":\"v-{n}\",\"user_id\":\"{UserId(user)}\",\"campaign_id\":\"{CampaignId(campaign)}\",\"type\":\"{ConversionTypes[_rng.Next(ConversionTypes.Length)]}\",\"value\":{Values[_rng.Next(Values.Length)]}{source},\"timestamp\":{ts}}}");
        _conversions[n % _conversions.Length] = (user, campaign, line, nowMs);
        Conversions++;
        return (UserId(user), Encoding.UTF8.GetBytes(line));
    }

    // The pair, or another campaign of the user, or a new user: one whose last event is at least the slack old; marks it used.
    private (int User, int Campaign) FreePair(int user, int campaign, long nowMs)
    {
        for (int attempt = 0; !Free(user, campaign, nowMs); attempt++)
        {
            if (attempt < 3)
            {
                campaign = Campaign();
            }
            else
            {
                user = _users + _newUsers++;
            }
        }
        Touch(user, campaign, nowMs);
        return (user, campaign);
    }

    private bool Free(int user, int campaign, long nowMs)
        => !_pairLastGenerated.TryGetValue((long)user * _campaigns + campaign, out long last) || nowMs - last >= _orderSlackMs;

    private void Touch(int user, int campaign, long nowMs)
    {
        if (_orderSlackMs > 0)
        {
            _pairLastGenerated[(long)user * _campaigns + campaign] = nowMs;
        }
    }

    // Skewed: a few users produce much of the traffic, as on real sites.
    private int User()
    {
        double r = _rng.NextDouble();
        return (int)(_users * r * r);
    }

    private int Campaign() => _rng.Next(_campaigns);

    private static string UserId(int user) => string.Create(CultureInfo.InvariantCulture, $"user-{user:D6}");

    private static string CampaignId(int campaign) => string.Create(CultureInfo.InvariantCulture, $"camp-{campaign:D3}");

    private string Geo() => _rng.Next(4) switch { 0 => "US", 1 => "DE", 2 => "BR", _ => "IN" };
}
