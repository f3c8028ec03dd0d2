using Quickenshtein;

namespace Attribution.Host.Settings;

/// <summary>Finds the known name a mistyped one was probably meant to be (Levenshtein distance).</summary>
internal static class ClosestName
{
    /// <summary>The closest of <paramref name="known"/> to <paramref name="typed"/>, or null when none is close (more than a third of it differs).</summary>
    public static string? Of(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in known)
        {
            int d = Levenshtein.GetDistance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (d < bestDistance)
            {
                (best, bestDistance) = (name, d);
            }
        }
        return bestDistance <= Math.Max(2, typed.Length / 3) ? best : null;
    }
}
