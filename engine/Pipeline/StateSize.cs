namespace Attribution.Engine.Pipeline;

/// <summary>How much state an engine holds, summed over its shards.</summary>
/// <param name="ClickEntries">Live (user, campaign) click histories.</param>
/// <param name="ConversionEntries">Remembered attributed conversion ids.</param>
/// <param name="ClickBytes">Bytes the click tables' logs span (live records plus garbage not yet compacted).</param>
/// <param name="ConversionBytes">Bytes the conversion-id tables' logs span.</param>
/// <param name="ClickDiskBytes">Of <paramref name="ClickBytes"/>, the bytes on disk only: the click tables outgrew their memory budget.</param>
/// <param name="ConversionDiskBytes">Of <paramref name="ConversionBytes"/>, the bytes on disk only.</param>
public readonly record struct StateSize(long ClickEntries, long ConversionEntries, long ClickBytes, long ConversionBytes, long ClickDiskBytes = 0, long ConversionDiskBytes = 0)
{
    /// <summary>Bytes of both tables' logs.</summary>
    public long Bytes => ClickBytes + ConversionBytes;
}
