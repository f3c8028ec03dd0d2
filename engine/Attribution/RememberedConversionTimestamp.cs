namespace Attribution.Engine.Attribution;

/// <summary>A remembered conversion id expires with the conversion's own timestamp (after the retention).</summary>
internal readonly struct RememberedConversionTimestamp : IStoredTimestamp
{
    public static long Read(ReadOnlySpan<byte> value) => RememberedConversionFormat.Read(value);
}
