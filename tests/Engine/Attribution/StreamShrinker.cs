namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// Delta debugging over a failing stream: removes chunks (halving their size) and then single
/// items while the stream still fails, ending with a stream from which no single item can be removed.
/// </summary>
public static class StreamShrinker
{
    /// <summary>Returns a smaller stream for which <paramref name="fails"/> still holds (at most <paramref name="maxTries"/> runs).</summary>
    public static List<T> Shrink<T>(IReadOnlyList<T> failing, Func<IReadOnlyList<T>, bool> fails, int maxTries = 50_000)
    {
        var current = failing.ToList();
        int tries = 0;
        int chunk = Math.Max(1, current.Count / 2);
        while (tries < maxTries)
        {
            bool removedAny = false;
            for (int start = 0; start < current.Count && tries < maxTries;)
            {
                int take = Math.Min(chunk, current.Count - start);
                var candidate = new List<T>(current.Count - take);
                candidate.AddRange(current.Take(start));
                candidate.AddRange(current.Skip(start + take));
                tries++;
                if (fails(candidate))
                {
                    current = candidate; // keep start: the next chunk slid into this place
                    removedAny = true;
                }
                else
                {
                    start += take;
                }
            }
            if (!removedAny)
            {
                if (chunk == 1)
                {
                    break;
                }
                chunk /= 2;
            }
        }
        return current;
    }
}
