using Prometheus;

namespace Attribution.Host.Observability;

/// <summary>Drops a gauge's children whose first label is no longer current (a partition given up), so no stale figure stays.</summary>
internal static class StaleLabels
{
    /// <summary>Removes every child of <paramref name="gauge"/> whose first label <paramref name="current"/> rejects.</summary>
    public static void Remove(Gauge gauge, Predicate<string> current)
    {
        foreach (string[] labels in gauge.GetAllLabelValues().ToList())
        {
            if (!current(labels[0]))
            {
                gauge.RemoveLabelled(labels);
            }
        }
    }
}
