namespace Attribution.Engine.Attribution;

/// <summary>
/// A click history expires with its newest click. A history with only some expired clicks stays:
/// readers skip those clicks anyway, so deleting them would only cost a write.
/// </summary>
internal readonly struct ClickHistoryTimestamp : IStoredTimestamp
{
    public static long Read(ReadOnlySpan<byte> value) => ClickHistoryFormat.NewestTimestamp(value);
}
