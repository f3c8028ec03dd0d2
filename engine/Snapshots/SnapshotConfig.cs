namespace Attribution.Engine.Snapshots;

/// <summary>The settings recorded in a manifest because state built under other values would give other results.</summary>
public sealed record SnapshotConfig
{
    /// <summary>Attribution window in ms.</summary>
    public long WindowMs { get; init; }

    /// <summary>Allowed lateness in ms.</summary>
    public long AllowedLatenessMs { get; init; }

    /// <summary>Effective retention of attributed conversion ids in ms.</summary>
    public long ConversionRetentionMs { get; init; }

    /// <summary>Partitions P.</summary>
    public int Partitions { get; init; }

    /// <summary>Clicks kept per (user, campaign).</summary>
    public int ClickHistory { get; init; }

    /// <summary>Effective maximum clock skew of the event-time guard in ms (0 in snapshots written before the guard).</summary>
    public long MaxClockSkewMs { get; init; }

    /// <summary>Clock confirmations of the event-time guard (0 in snapshots written before the guard).</summary>
    public int ClockConfirmations { get; init; }

    /// <summary>Shards N (state of partition p lives in shard p mod N).</summary>
    public int Shards { get; init; }

    /// <summary>Null when <paramref name="current"/> equals this, else the first difference as "name: snapshot value vs current value".</summary>
    public string? Difference(SnapshotConfig current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (WindowMs != current.WindowMs)
        {
            return $"window {WindowMs} ms vs {current.WindowMs} ms";
        }
        if (AllowedLatenessMs != current.AllowedLatenessMs)
        {
            return $"allowed lateness {AllowedLatenessMs} ms vs {current.AllowedLatenessMs} ms";
        }
        if (ConversionRetentionMs != current.ConversionRetentionMs)
        {
            return $"conversion-id retention {ConversionRetentionMs} ms vs {current.ConversionRetentionMs} ms";
        }
        if (Partitions != current.Partitions)
        {
            return $"partitions {Partitions} vs {current.Partitions}";
        }
        if (ClickHistory != current.ClickHistory)
        {
            return $"click history {ClickHistory} vs {current.ClickHistory}";
        }
        // A snapshot from before the guard recorded no guard settings: its state is valid under any (the guard starts from it).
        if (MaxClockSkewMs != 0 && MaxClockSkewMs != current.MaxClockSkewMs)
        {
            return $"maximum clock skew {MaxClockSkewMs} ms vs {current.MaxClockSkewMs} ms";
        }
        if (ClockConfirmations != 0 && ClockConfirmations != current.ClockConfirmations)
        {
            return $"clock confirmations {ClockConfirmations} vs {current.ClockConfirmations}";
        }
        if (Shards != current.Shards)
        {
            return $"shards {Shards} vs {current.Shards}";
        }
        return null;
    }
}
