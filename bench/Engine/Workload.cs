namespace Attribution.Bench.Engine;

/// <summary>A generated workload: the input lines and what the generator put in them.</summary>
internal sealed class Workload(LineStore lines, int seed, int users, int campaigns)
{
    /// <summary>The lines, in submission order.</summary>
    public LineStore Lines { get; } = lines;

    /// <summary>The seed that reproduces the workload.</summary>
    public int Seed { get; } = seed;

    /// <summary>Distinct users.</summary>
    public int Users { get; } = users;

    /// <summary>Distinct campaigns.</summary>
    public int Campaigns { get; } = campaigns;

    public long Clicks { get; set; }
    public long ClicksWithMetadata { get; set; }
    public long Conversions { get; set; }
    public long DuplicateConversions { get; set; }
    public long FirstTimestamp { get; set; }
    public long LastTimestamp { get; set; }

    public int Count => Lines.Count;

    /// <summary>One line describing the workload.</summary>
    public string Describe()
    {
        double hours = (LastTimestamp - FirstTimestamp) / 3_600_000.0;
        return $"seed {Seed}: {Count:N0} events ({Clicks:N0} clicks, {ClicksWithMetadata:N0} of them with metadata; {Conversions:N0} conversions, " +
               $"{DuplicateConversions:N0} of them re-sent duplicates), {Users:N0} users, {Campaigns} campaigns, " +
               $"{Lines.Bytes / (double)Math.Max(1, Count):F0} B/line on average ({Lines.Bytes / 1048576.0:F0} MiB), " +
               $"event time {hours:F1} h, timestamps never decrease";
    }
}
