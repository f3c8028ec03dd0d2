namespace Attribution.Engine.Attribution;

/// <summary>Reads the timestamp that decides when a stored value expires (for <see cref="ExpirySweeper{TTimestamp}"/>).</summary>
internal interface IStoredTimestamp
{
    /// <summary>The value's expiry timestamp in epoch milliseconds.</summary>
    static abstract long Read(ReadOnlySpan<byte> value);
}
