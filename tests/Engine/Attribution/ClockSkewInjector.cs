namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// A producer whose clock jumps: copies of a few events of a stream, stamped far ahead of it (years, or the year
/// 2100) or far behind it (a year, or the epoch), inserted right after the event they copy (same partition, user
/// and campaign; new ids). The event-time guard must dead-letter them (or, as a partition's very first events,
/// keep them from setting its event time) without changing what happens to the stream around them.
/// </summary>
public static class ClockSkewInjector
{
    private const long Year = 365L * 24 * 3_600_000;
    private const long Year2100 = 4_102_444_800_000;

    /// <summary>Returns <paramref name="items"/> with <paramref name="count"/> clock outliers inserted at seeded places.</summary>
    public static List<SimEvent> Insert(IReadOnlyList<SimEvent> items, int seed, int count)
    {
        var rng = new Random(seed);
        var events = Enumerable.Range(0, items.Count).Where(i => items[i].Kind is SimKind.Click or SimKind.Conversion).ToList();
        var after = new SortedDictionary<int, List<SimEvent>>();
        for (int n = 0; n < count && events.Count > 0; n++)
        {
            int at = events[rng.Next(events.Count)];
            SimEvent basis = items[at];
            long ts = rng.Next(4) switch
            {
                0 => Year2100,
                1 => Add(basis.Timestamp, rng.NextInt64(1, 30) * Year),
                2 => Add(basis.Timestamp, -rng.NextInt64(1, 5) * Year),
                _ => 0,
            };
            SimEvent outlier = basis with { EventId = $"{(basis.Kind == SimKind.Click ? "c" : "v")}-skew-{n}", Timestamp = ts };
            (after.TryGetValue(at, out var list) ? list : after[at] = new List<SimEvent>()).Add(outlier);
        }
        var result = new List<SimEvent>(items.Count + count);
        for (int i = 0; i < items.Count; i++)
        {
            result.Add(items[i]);
            if (after.TryGetValue(i, out var inserted))
            {
                result.AddRange(inserted);
            }
        }
        return result;
    }

    /// <summary>Whether <paramref name="item"/> is one of the inserted outliers.</summary>
    public static bool IsOutlier(SimEvent item) => item.EventId.Contains("-skew-", StringComparison.Ordinal);

    private static long Add(long a, long b) => (long)Int128.Clamp((Int128)a + b, long.MinValue, long.MaxValue);
}
