using System.Buffers.Text;

namespace Attribution.Bench.Engine;

/// <summary>
/// Renders a deterministic stream of upstream JSON lines (docs/SEMANTICS.md, wire formats) from a seed. Users have a few
/// favourite campaigns; a conversion mostly follows the user's last clicked campaign, so every
/// outcome occurs (attributed, no click, outside the window, duplicate).
/// </summary>
/// <remarks>
/// Timestamps never decrease, and duplicates are re-sent with the current timestamp a few thousand
/// events after the original. So "latest click by event time" is also "latest click by arrival",
/// and a duplicate always arrives within the engine's conversion-id retention: a baseline that keeps
/// only the last click and remembers ids forever must find exactly the engine's attributions.
/// </remarks>
internal static class WorkloadGenerator
{
    public const double ClickShare = 0.60;
    public const double DuplicateShare = 0.05;      // of conversions
    public const double MetadataShare = 0.50;       // of clicks
    public const double FollowLastClickShare = 0.75; // of fresh conversions
    public const double FavouriteShare = 0.80;      // of clicks
    public const int Favourites = 4;
    public const int AdsPerCampaign = 8;
    public const long StartMs = 1_700_000_000_000;
    public const int MeanStepMs = 35;               // ~48 h of event time for 5M events
    private const int RecentConversions = 1024;     // duplicates re-send one of these

    private static readonly byte[][] ClickSources = [.. new[] { "facebook", "google", "tiktok", "instagram", "youtube", "snapchat" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    private static readonly byte[][] ConversionSources = [.. new[] { "ios_app", "android_app", "web" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    private static readonly byte[][] ConversionTypes = [.. new[] { "purchase", "signup", "add_to_cart", "install" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    private static readonly byte[][] Geos = [.. new[] { "US", "DE", "FR", "GB", "BR", "IN", "JP" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];
    private static readonly byte[][] Devices = [.. new[] { "ios", "android", "desktop" }.Select(s => System.Text.Encoding.UTF8.GetBytes(s))];

    /// <summary>Bytes a line takes at most (with metadata), to size memory checks.</summary>
    public const int MaxLineBytes = 400;

    /// <summary>Generates <paramref name="events"/> lines.</summary>
    public static Workload Generate(int events, int users, int campaigns, int seed)
    {
        var rng = new Random(seed);
        byte[] userIds = new byte[users * 36];
        for (int u = 0; u < users; u++)
        {
            WriteUuid(rng, userIds.AsSpan(u * 36, 36));
        }
        int[] favourites = new int[users * Favourites];
        for (int i = 0; i < favourites.Length; i++)
        {
            favourites[i] = rng.Next(campaigns);
        }
        int[] lastClicked = new int[users];
        Array.Fill(lastClicked, -1);
        var recent = new RecentConversion[RecentConversions];
        int recentCount = 0;

        var workload = new Workload(new LineStore(events), seed, users, campaigns) { FirstTimestamp = StartMs };
        Span<byte> line = stackalloc byte[MaxLineBytes * 2];
        long ts = StartMs;
        for (int i = 0; i < events; i++)
        {
            ts += rng.Next(0, 2 * MeanStepMs + 1);
            int u = rng.Next(users);
            ReadOnlySpan<byte> user = userIds.AsSpan(u * 36, 36);
            int length;
            if (rng.NextDouble() < ClickShare)
            {
                int campaign = rng.NextDouble() < FavouriteShare ? favourites[u * Favourites + rng.Next(Favourites)] : rng.Next(campaigns);
                lastClicked[u] = campaign;
                bool metadata = rng.NextDouble() < MetadataShare;
                length = RenderClick(line, rng, user, campaign, rng.Next(AdsPerCampaign), rng.Next(ClickSources.Length), ts, metadata);
                workload.Clicks++;
                workload.ClicksWithMetadata += metadata ? 1 : 0;
            }
            else if (recentCount > 0 && rng.NextDouble() < DuplicateShare)
            {
                // An upstream retry: same conversion (same id), re-stamped now.
                RecentConversion c = recent[rng.Next(Math.Min(recentCount, RecentConversions))];
                length = RenderConversion(line, userIds.AsSpan(c.User * 36, 36), in c, ts);
                workload.Conversions++;
                workload.DuplicateConversions++;
            }
            else
            {
                int last = lastClicked[u];
                var c = new RecentConversion
                {
                    User = u,
                    Campaign = last >= 0 && rng.NextDouble() < FollowLastClickShare ? last : favourites[u * Favourites + rng.Next(Favourites)],
                    IdHigh = rng.NextInt64(),
                    IdLow = rng.NextInt64(),
                    Type = rng.Next(ConversionTypes.Length),
                    Source = rng.Next(ConversionSources.Length + 1) - 1, // -1: the optional source is absent
                    Cents = rng.NextDouble() < 0.1 ? rng.Next(1, 100) * 100 : rng.Next(1, 50_000),
                };
                recent[recentCount++ % RecentConversions] = c;
                length = RenderConversion(line, user, in c, ts);
                workload.Conversions++;
            }
            workload.Lines.Add(line[..length]);
        }
        workload.LastTimestamp = ts;
        return workload;
    }

    private static int RenderClick(Span<byte> line, Random rng, ReadOnlySpan<byte> user, int campaign, int ad, int source, long ts, bool metadata)
    {
        var w = new Writer(line);
        w.Raw("{\"event_type\":\"click\",\"event_id\":\""u8);
        w.Uuid(rng.NextInt64(), rng.NextInt64());
        w.Raw("\",\"user_id\":\""u8);
        w.Raw(user);
        w.Raw("\",\"campaign_id\":\"camp-"u8);
        w.Number(10_000 + campaign);
        w.Raw("\",\"ad_id\":\"ad-"u8);
        w.Number(10_000 + campaign);
        w.Raw("-"u8);
        w.Number(ad);
        w.Raw("\",\"source\":\""u8);
        w.Raw(ClickSources[source]);
        w.Raw("\",\"timestamp\":"u8);
        w.Number(ts);
        if (metadata)
        {
            w.Raw(",\"metadata\":{\"geo\":\""u8);
            w.Raw(Geos[rng.Next(Geos.Length)]);
            w.Raw("\",\"device\":\""u8);
            w.Raw(Devices[rng.Next(Devices.Length)]);
            w.Raw("\",\"placement\":{\"slot\":"u8);
            w.Number(rng.Next(1, 9));
            w.Raw(",\"feed\":true}}"u8);
        }
        w.Raw("}"u8);
        return w.Length;
    }

    private static int RenderConversion(Span<byte> line, ReadOnlySpan<byte> user, in RecentConversion c, long ts)
    {
        var w = new Writer(line);
        w.Raw("{\"event_type\":\"conversion\",\"event_id\":\""u8);
        w.Uuid(c.IdHigh, c.IdLow);
        w.Raw("\",\"user_id\":\""u8);
        w.Raw(user);
        w.Raw("\",\"campaign_id\":\"camp-"u8);
        w.Number(10_000 + c.Campaign);
        w.Raw("\",\"type\":\""u8);
        w.Raw(ConversionTypes[c.Type]);
        w.Raw("\",\"value\":"u8);
        w.Number(c.Cents / 100);
        if (c.Cents % 100 != 0)
        {
            w.Raw("."u8);
            w.Raw([(byte)('0' + (c.Cents % 100 / 10)), (byte)('0' + (c.Cents % 10))]);
        }
        if (c.Source >= 0)
        {
            w.Raw(",\"source\":\""u8);
            w.Raw(ConversionSources[c.Source]);
            w.Raw("\""u8);
        }
        w.Raw(",\"timestamp\":"u8);
        w.Number(ts);
        w.Raw("}"u8);
        return w.Length;
    }

    private static void WriteUuid(Random rng, Span<byte> destination)
    {
        var w = new Writer(destination);
        w.Uuid(rng.NextInt64(), rng.NextInt64());
    }

    private struct RecentConversion
    {
        public int User;
        public int Campaign;
        public long IdHigh;
        public long IdLow;
        public int Type;
        public int Source;
        public int Cents;
    }

    /// <summary>Appends UTF-8 pieces to a span.</summary>
    private ref struct Writer(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Length { get; private set; }

        public void Raw(scoped ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_destination[Length..]);
            Length += bytes.Length;
        }

        public void Number(long value)
        {
            if (!Utf8Formatter.TryFormat(value, _destination[Length..], out int written))
            {
                throw new InvalidOperationException("The line buffer is too small.");
            }
            Length += written;
        }

        /// <summary>36 characters, 8-4-4-4-12 lower-case hex, like a UUID.</summary>
        public void Uuid(long high, long low)
        {
            ReadOnlySpan<byte> hex = "0123456789abcdef"u8;
            Span<byte> d = _destination.Slice(Length, 36);
            int at = 0;
            for (int nibble = 0; nibble < 32; nibble++)
            {
                if (nibble is 8 or 12 or 16 or 20)
                {
                    d[at++] = (byte)'-';
                }
                long word = nibble < 16 ? high : low;
                d[at++] = hex[(int)((ulong)word >> (60 - (4 * (nibble & 15)))) & 0xF];
            }
            Length += 36;
        }
    }
}
