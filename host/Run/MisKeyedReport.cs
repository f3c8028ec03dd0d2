namespace Attribution.Host.Run;

/// <summary>Placeholder (replaced by the keying branch).</summary>
internal sealed class MisKeyedReport(RunLog log, string mode)
{
    private long _total;

    /// <summary>Total.</summary>
    public long Total => _total;

    /// <summary>Records one.</summary>
    public void Record(int partition, int expectedPartition, ReadOnlySpan<byte> kafkaKey, bool keyIsNull)
    {
        _total++;
        _ = (log, mode, partition, expectedPartition, kafkaKey.Length, keyIsNull);
    }

    /// <summary>Reports.</summary>
    public void MaybeReport(long nowMs) => _ = nowMs;
}
