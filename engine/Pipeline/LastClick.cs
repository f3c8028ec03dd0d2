namespace Attribution.Engine.Pipeline;

/// <summary>The newest live click of one (user, campaign), as <see cref="AttributionEngine.FindLastClick"/> found it.</summary>
public sealed class LastClick
{
    internal LastClick(byte[] clickId, byte[] adId, byte[] source, long timestamp)
    {
        ClickId = clickId;
        AdId = adId;
        Source = source;
        Timestamp = timestamp;
    }

    /// <summary>The click's <c>event_id</c> (UTF-8).</summary>
    public ReadOnlyMemory<byte> ClickId { get; }

    /// <summary>The click's <c>ad_id</c> (UTF-8).</summary>
    public ReadOnlyMemory<byte> AdId { get; }

    /// <summary>The click's <c>source</c> (UTF-8).</summary>
    public ReadOnlyMemory<byte> Source { get; }

    /// <summary>The click's event time, epoch ms.</summary>
    public long Timestamp { get; }
}
